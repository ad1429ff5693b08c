import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { createQueue, CHUNK } from '../src/lib/queue.js';
import { memoryStore } from '../src/lib/stores.js';
import { sha256Hex, sha256Js } from '../src/lib/sha256.js';
import { emptyForm, fromServer } from '../src/lib/case-body.js';

// A stand-in for the server's enforcement API with its rules: version 0 creates, the same change
// again is a replay, a stale version is 409 with the current case; uploads in 1 MiB chunks.
function fakeServer() {
  const cases = new Map();
  const uploads = new Map();
  const state = { online: true, calls: [], chunkFailsAt: null };
  function net(name) {
    state.calls.push(name);
    if (!state.online) throw Object.assign(new Error('offline'), { status: 0 });
  }
  const view = (c) => structuredClone(c);
  function addEvidence(caseId, bytes) {
    const c = cases.get(caseId);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const added = !c.evidence.some((e) => e.sha256 === sha256);
    if (added) { c.evidence.push({ sha256, size: bytes.length }); c.version += 1; }
    return { evidence: c.evidence.find((e) => e.sha256 === sha256), added, case: view(c) };
  }
  const api = {
    async sync(operations) {
      net('sync');
      return operations.map(({ case_id: id, body }) => {
        const current = cases.get(id);
        const op = JSON.stringify(body);
        if (!current) {
          if (body.version !== 0) return { case_id: id, status: 404, error: { message: '案件不存在' } };
          cases.set(id, { ...body, id, version: 1, ops: [op], evidence: [] });
          return { case_id: id, status: 201, case: view(cases.get(id)) };
        }
        if (current.ops.includes(op)) return { case_id: id, status: 200, case: view(current) };
        if (body.version !== current.version) {
          return { case_id: id, status: 409, error: { message: '案件已被更新', details: { current: view(current) } } };
        }
        Object.assign(current, body, { version: current.version + 1 });
        current.ops.push(op);
        return { case_id: id, status: 200, case: view(current) };
      });
    },
    async postEvidence(caseId, capture, bytes) { net('evidence'); return addEvidence(caseId, bytes); },
    async startUpload(caseId, { size, sha256 }) {
      net('start');
      const id = `u${uploads.size + 1}`;
      uploads.set(id, { caseId, size, sha256, chunks: new Map(), count: Math.ceil(size / CHUNK) });
      return api.uploadStatus(id);
    },
    async uploadStatus(id) {
      net('status');
      const u = uploads.get(id);
      return { upload_id: id, missing: [...Array(u.count).keys()].filter((n) => !u.chunks.has(n)) };
    },
    async putChunk(id, n, bytes) {
      net(`chunk${n}`);
      if (state.chunkFailsAt === n) { state.chunkFailsAt = null; state.online = false; throw Object.assign(new Error('lost'), { status: 0 }); }
      uploads.get(id).chunks.set(n, Uint8Array.from(bytes));
    },
    async attach(caseId, { upload_id: id }) {
      net('attach');
      const u = uploads.get(id);
      const bytes = Buffer.concat([...u.chunks.keys()].sort().map((n) => u.chunks.get(n)));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(u.sha256);
      return addEvidence(caseId, bytes);
    },
  };
  return { api, cases, state };
}

const FORM = {
  ...emptyForm(new Date('2026-05-01T01:00:00Z')), violation: 'TP-093', facts: '禁停路段停车',
  party: { kind: 'person', name: '王五', id_number: '330106195508163314', credit_code: '' },
  position: { lng: 120.1551, lat: 30.2741, accuracy: 8 },
};

let server;
let store;
let queue;
let ids;
beforeEach(() => {
  server = fakeServer();
  store = memoryStore();
  ids = 0;
  const uuid = () => `00000000-0000-4000-8000-00000000000${(ids += 1)}`;
  queue = createQueue({ store, api: server.api, uuid, deviceId: 'test-device' });
});

function photo(size, fill = 7) {
  const bytes = new Uint8Array(size).fill(fill);
  bytes.set([0xff, 0xd8, 0xff]);
  return bytes;
}

describe('the offline queue', () => {
  it('keeps cases while offline and sends them when the network returns', async () => {
    server.state.online = false;
    const saved = await queue.save(null, FORM);
    expect(saved).toMatchObject({ status: 'waiting', version: 0 });
    expect(await queue.sync()).toEqual({ online: false });
    expect((await queue.get(saved.id)).status).toBe('waiting'); // not stuck in 'sending'
    // the app restarts: a new queue over the same store
    queue = createQueue({ store, api: server.api, uuid: () => 'unused', deviceId: 'test-device' });
    server.state.online = true;
    expect(await queue.sync()).toEqual({ online: true });
    expect(await queue.get(saved.id)).toMatchObject({ status: 'synced', version: 1 });
    expect(server.cases.get(saved.id).parties[0].id_number_masked).toBe('330106********3314');
    expect(await queue.counts()).toMatchObject({ waiting: 0, synced: 1 });
  });

  it('resends a batch cut off mid-flight without making a second case', async () => {
    const saved = await queue.save(null, FORM);
    await store.put('cases', { ...(await store.get('cases', saved.id)), status: 'sending' }); // the page closed
    await server.api.sync([{ op: 'put_case', case_id: saved.id, body: (await import('../src/lib/case-body.js')).toBody(FORM, 0) }]);
    await queue.sync();
    expect(await queue.get(saved.id)).toMatchObject({ status: 'synced', version: 1 });
    expect(server.cases.size).toBe(1);
  });

  it('an edit made while sending stays waiting, then goes on the new version', async () => {
    const saved = await queue.save(null, FORM);
    const realSync = server.api.sync;
    server.api.sync = async (ops) => { await queue.save(saved.id, { ...FORM, facts: '补充事实' }); return realSync(ops); };
    await queue.sync();
    expect(await queue.get(saved.id)).toMatchObject({ status: 'waiting', version: 1 });
    server.api.sync = realSync;
    await queue.sync();
    expect(await queue.get(saved.id)).toMatchObject({ status: 'synced', version: 2 });
    expect(server.cases.get(saved.id).record.facts).toBe('补充事实');
  });

  it('shows a 409 beside ours and keeps either side', async () => {
    const saved = await queue.save(null, FORM);
    await queue.sync();
    // another device changes it on the server
    const other = server.cases.get(saved.id);
    Object.assign(other, { version: 2, record: { ...other.record, facts: '另一台设备' } });
    await queue.save(saved.id, { ...FORM, facts: '本机修改' });
    await queue.sync();
    const clash = await queue.get(saved.id);
    expect(clash.status).toBe('conflict');
    expect(clash.conflict.record.facts).toBe('另一台设备');
    expect(clash.form.facts).toBe('本机修改');
    await expect(queue.save(saved.id, FORM)).rejects.toThrow('冲突');

    await queue.resolve(saved.id, 'local', fromServer);
    await queue.sync();
    expect(await queue.get(saved.id)).toMatchObject({ status: 'synced', version: 3 });
    expect(server.cases.get(saved.id).record.facts).toBe('本机修改');
  });

  it('keeping the server side replaces the local form', async () => {
    const saved = await queue.save(null, FORM);
    await queue.sync();
    const current = server.cases.get(saved.id);
    current.record = { ...current.record, facts: '服务器版本' };
    current.version = 2;
    await queue.save(saved.id, { ...FORM, facts: '本机' });
    await queue.sync();
    const kept = await queue.resolve(saved.id, 'server', fromServer);
    expect(kept).toMatchObject({ status: 'synced', version: 2 });
    expect(kept.form.facts).toBe('服务器版本');
    expect(kept.form.party.id_number).toBe('330106195508163314'); // the same person: our full number stays
  });

  it('rejects what the server refuses, with its message', async () => {
    const realSync = server.api.sync;
    server.api.sync = async (ops) => ops.map((o) => ({ case_id: o.case_id, status: 422, error: { message: '提交的数据有误' } }));
    const saved = await queue.save(null, FORM);
    await queue.sync();
    expect(await queue.get(saved.id)).toMatchObject({ status: 'rejected', error: '提交的数据有误' });
    server.api.sync = realSync;
  });
});

describe('photos', () => {
  it('hash on the device, wait for their case, go direct or in resumable chunks, then leave the device', async () => {
    server.state.online = false;
    const saved = await queue.save(null, FORM);
    const small = photo(3000);
    const large = photo(CHUNK * 2 + 5, 9);
    const a = await queue.addPhoto(saved.id, small, { lng: 120.1, lat: 30.2 });
    const b = await queue.addPhoto(saved.id, large, { lng: 120.1, lat: 30.2 });
    expect(a.sha256).toBe(createHash('sha256').update(small).digest('hex'));
    expect((await queue.addPhoto(saved.id, small)).id).toBe(a.id); // the same photo again: once
    expect(await queue.counts()).toMatchObject({ waiting: 1, photos: 2 });

    server.state.online = true;
    server.state.chunkFailsAt = 1; // the network drops during the second chunk
    expect(await queue.sync()).toEqual({ online: false });
    const halfway = (await queue.photosOf(saved.id)).find((p) => p.id === b.id);
    expect(halfway).toMatchObject({ status: 'waiting' });
    expect(halfway.upload_id).toBeTruthy();

    server.state.online = true;
    server.state.calls.length = 0;
    expect(await queue.sync()).toEqual({ online: true });
    expect(server.state.calls).toEqual(['status', 'chunk1', 'chunk2', 'attach']); // resumed, chunk0 not again
    const photos = await queue.photosOf(saved.id);
    expect(photos.map((p) => p.status)).toEqual(['uploaded', 'uploaded']);
    expect(await store.get('blobs', a.id)).toBeNull();
    expect(server.cases.get(saved.id).evidence.map((e) => e.sha256)).toEqual([a.sha256, b.sha256]);
    // the evidence moved the server's version; our form follows it, so the next edit applies
    expect(await queue.get(saved.id)).toMatchObject({ version: 3, status: 'synced' });
    await queue.save(saved.id, { ...FORM, facts: '补充' });
    await queue.sync();
    expect(await queue.get(saved.id)).toMatchObject({ version: 4, status: 'synced' });
  });

  it('the pure-JS SHA-256 (mini-programs) agrees with WebCrypto and node', async () => {
    for (const size of [0, 55, 56, 64, 1000, 70000]) {
      const bytes = Uint8Array.from({ length: size }, (_, i) => (i * 31) & 255);
      const expected = createHash('sha256').update(bytes).digest('hex');
      expect(sha256Js(bytes)).toBe(expected);
      expect(await sha256Hex(bytes)).toBe(expected);
    }
  });
});
