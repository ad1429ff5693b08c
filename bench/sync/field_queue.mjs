// 执法通's own queue (field/src/lib/queue.js) syncing N cases with P photos each to a running API,
// or (--baseline) the same cases and photos sent as the fewest plain requests: one PUT per case,
// one POST per photo, in the same order and one at a time, as the queue sends them.
//   node bench/sync/field_queue.mjs BASE TOKEN CASES PHOTOS PHOTO_KB [--baseline]
// Prints {seconds, requests} (the time of the sending only: cases and photos are made beforehand).
import { randomBytes, randomUUID } from 'node:crypto';
import { createQueue } from '../../field/src/lib/queue.js';
import { memoryStore } from '../../field/src/lib/stores.js';
import { createFieldApi } from '../../field/src/lib/field-api.js';
import { toBody } from '../../field/src/lib/case-body.js';

const [base, token, cases, photos, photoKb, mode] = process.argv.slice(2);
const HERE = { lng: 120.1551, lat: 30.2741, accuracy: 12 };
let requests = 0;

async function call(method, path, { query, body, bytes, type } = {}) {
  requests += 1;
  const url = new URL(base + path);
  for (const [k, v] of Object.entries(query || {})) url.searchParams.set(k, String(v));
  const headers = { Authorization: `Bearer ${token}`, Accept: 'application/json' };
  if (bytes) headers['Content-Type'] = type || 'application/octet-stream';
  else if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(url, { method, headers, body: bytes || (body !== undefined ? JSON.stringify(body) : undefined) });
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) throw Object.assign(new Error(data && data.error ? data.error.message : response.status), { status: response.status });
  return data;
}

const client = { get: (p, o = {}) => call('GET', p, o), post: (p, body, o = {}) => call('POST', p, { ...o, body }) };
const sendBytes = (method, path, bytes, { query, type } = {}) => call(method, path, { query, bytes, type });

function form(i) {
  return {
    violation: 'TP-093', party: { kind: 'person', name: `当事人${i}`, id_number: '330106195508163314', credit_code: '' },
    plate: '浙A7K2M9', position: HERE, address: `杭州市西湖区南山路 ${i} 号`, observed_at: new Date().toISOString(),
    facts: '在禁停路段停车，驾驶人不在现场。', measures: '',
  };
}
const photo = () => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(Number(photoKb) * 1024 - 6), Buffer.from([0xff, 0xd9])]);

const made = Array.from({ length: Number(cases) }, (_, i) => ({ id: randomUUID(), form: form(i), photos: Array.from({ length: Number(photos) }, photo) }));
const started = performance.now();
if (mode === '--baseline') {
  for (const c of made) {
    await call('PUT', `/api/v1/enforcement/cases/${c.id}`, { body: toBody(c.form, 0) });
    for (const bytes of c.photos) {
      const query = { captured_at: new Date().toISOString(), lng: HERE.lng, lat: HERE.lat, device_id: 'bench' };
      await call('POST', `/api/v1/enforcement/cases/${c.id}/evidence`, { query, bytes, type: 'image/jpeg' });
    }
  }
  print(performance.now() - started);
} else {
  let n = 0;
  const queue = createQueue({ store: memoryStore(), api: createFieldApi({ client, sendBytes }), uuid: () => made[n++].id, deviceId: 'bench' });
  for (const c of made) {
    await queue.save(null, c.form);
    for (const bytes of c.photos) await queue.addPhoto(c.id, new Uint8Array(bytes), { lng: HERE.lng, lat: HERE.lat });
  }
  const ready = performance.now();
  for (let pass = 0; pass < 5; pass += 1) {
    await queue.sync();
    const left = await queue.counts();
    if (!left.waiting && !left.sending && !left.photos) break;
  }
  const left = await queue.counts();
  if (left.synced !== made.length || left.photos) throw new Error(`not all sent: ${JSON.stringify(left)}`);
  print(performance.now() - ready, ready - started);
}

function print(ms, prepareMs = 0) {
  console.log(JSON.stringify({ seconds: ms / 1000, prepare_seconds: prepareMs / 1000, requests }));
}
