// The offline queue (离线队列): cases and photos are saved on the device first, then sent when the
// network allows. Plain ES module: the store (stores.js) and the API (field-api.js) are injected,
// so vitest runs it without a browser.
//
// A case: {id, rev, version, form, status, server, conflict, error, saved_at, synced_at}
//   status: waiting → sending → synced | conflict (409: the server's copy is kept beside ours) |
//   rejected (422: the server refused the data; the inspector edits and saves again).
//   `version` is the server version the local form is based on (0: not on the server yet);
//   `rev` counts local saves, so an edit made while a send was in flight is not marked synced.
// A photo: {id, case_id, sha256, size, type, captured_at, lng, lat, status, upload_id, evidence}
//   status: waiting → uploading → uploaded (the bytes are then dropped from the device) | rejected.
import { toBody } from './case-body.js';
import { sha256Hex } from './sha256.js';

export const CHUNK = 1024 * 1024; // the server's chunk size
export const RESUMABLE_FROM = CHUNK; // smaller files go in one request (the server's minimum)
const BATCH = 100;

function isOffline(error) {
  return !error || error.status === 0 || error.status === undefined || error.status >= 500 || error.status === 429;
}

export function createQueue({ store, api, uuid, deviceId, now = () => new Date().toISOString(), onChange = () => {} }) {
  let running = null;

  async function putCase(record) {
    await store.put('cases', record);
    onChange();
    return record;
  }

  async function save(id, form) {
    const existing = id ? await store.get('cases', id) : null;
    if (existing && existing.status === 'conflict') throw new Error('请先处理冲突');
    const record = existing
      ? { ...existing, form, rev: existing.rev + 1, status: 'waiting', error: '', saved_at: now() }
      : { id: uuid(), rev: 1, version: 0, form, status: 'waiting', server: null, conflict: null, error: '', saved_at: now(), synced_at: null };
    return putCase(record);
  }

  async function addPhoto(caseId, bytes, { type = 'image/jpeg', captured_at = now(), lng, lat } = {}) {
    const data = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
    const sha256 = await sha256Hex(data);
    const id = `${caseId}:${sha256}`;
    const existing = await store.get('photos', id);
    if (existing) return existing; // the same picture twice is one piece of evidence
    await store.put('blobs', { id, data }); // the bytes first: a photo record always has them
    const photo = { id, case_id: caseId, sha256, size: data.length, type, captured_at, lng, lat, status: 'waiting',
      upload_id: null, evidence: null, error: '', added_at: now() };
    await store.put('photos', photo);
    onChange();
    return photo;
  }

  async function photosOf(caseId) {
    return (await store.all('photos')).filter((p) => p.case_id === caseId).sort((a, b) => a.added_at.localeCompare(b.added_at));
  }

  async function list() {
    const cases = (await store.all('cases')).sort((a, b) => b.saved_at.localeCompare(a.saved_at));
    const photos = await store.all('photos');
    return cases.map((c) => {
      const mine = photos.filter((p) => p.case_id === c.id);
      return { ...c, photos: mine.length, photosWaiting: mine.filter((p) => p.status !== 'uploaded').length };
    });
  }

  // counts per status, photos waiting included: what the queue bar shows
  async function counts() {
    const result = { waiting: 0, sending: 0, synced: 0, conflict: 0, rejected: 0, photos: 0 };
    for (const c of await store.all('cases')) result[c.status] += 1;
    result.photos = (await store.all('photos')).filter((p) => p.status !== 'uploaded' && p.status !== 'rejected').length;
    return result;
  }

  async function sendCases() {
    const due = (await store.all('cases')).filter((c) => c.status === 'waiting' || c.status === 'sending');
    let offline = false;
    for (let start = 0; start < due.length && !offline; start += BATCH) {
      const batch = due.slice(start, start + BATCH);
      const sent = [];
      for (const record of batch) {
        sent.push({ id: record.id, rev: record.rev });
        await putCase({ ...record, status: 'sending' }); // a page closed now resends: replays are safe
      }
      let results;
      try {
        results = await api.sync(batch.map((c) => ({ op: 'put_case', case_id: c.id, body: toBody(c.form, c.version) })));
      } catch (error) {
        if (!isOffline(error)) throw error;
        offline = true;
        for (const { id } of sent) {
          const record = await store.get('cases', id);
          if (record && record.status === 'sending') await putCase({ ...record, status: 'waiting' });
        }
        break;
      }
      for (const result of results) {
        const record = await store.get('cases', result.case_id);
        if (!record) continue;
        const rev = sent.find((s) => s.id === result.case_id).rev;
        const editedMeanwhile = record.rev !== rev;
        if (result.status === 200 || result.status === 201) {
          await putCase({ ...record, version: result.case.version, server: result.case, error: '', conflict: null,
            status: editedMeanwhile ? 'waiting' : 'synced', synced_at: now() });
        } else if (result.status === 409) {
          await putCase({ ...record, status: 'conflict', conflict: result.error.details.current, error: result.error.message });
        } else if (isOffline({ status: result.status })) {
          await putCase({ ...record, status: 'waiting' });
        } else {
          await putCase({ ...record, status: 'rejected', error: (result.error && result.error.message) || '服务器拒绝了该案件' });
        }
      }
    }
    return !offline;
  }

  async function uploadPhoto(photo) {
    const blob = await store.get('blobs', photo.id);
    if (!blob) throw new Error('照片数据丢失');
    const data = blob.data instanceof Uint8Array ? blob.data : new Uint8Array(blob.data);
    const capture = { captured_at: photo.captured_at, lng: photo.lng, lat: photo.lat, device_id: deviceId };
    await store.put('photos', { ...photo, status: 'uploading' });
    onChange();
    if (data.length < RESUMABLE_FROM) return api.postEvidence(photo.case_id, capture, data, photo.type);
    let uploadId = photo.upload_id;
    let state = null;
    if (uploadId) {
      try {
        state = await api.uploadStatus(uploadId); // resume: only the chunks the server lacks
      } catch (error) {
        if (error.status !== 404) throw error;
        uploadId = null; // expired after a week: start again
      }
    }
    if (!uploadId) {
      state = await api.startUpload(photo.case_id, { size: data.length, sha256: photo.sha256 });
      uploadId = state.upload_id;
      await store.put('photos', { ...photo, status: 'uploading', upload_id: uploadId });
    }
    for (const n of state.missing) {
      await api.putChunk(uploadId, n, data.subarray(n * CHUNK, Math.min(data.length, (n + 1) * CHUNK)));
    }
    return api.attach(photo.case_id, { upload_id: uploadId, ...capture });
  }

  async function sendPhotos() {
    const cases = new Map((await store.all('cases')).map((c) => [c.id, c]));
    const due = (await store.all('photos')).filter((p) => p.status === 'waiting' || p.status === 'uploading')
      .sort((a, b) => a.added_at.localeCompare(b.added_at)); // in the order they were taken
    for (const photo of due) {
      const owner = cases.get(photo.case_id);
      if (!owner || !owner.server) continue; // the case must reach the server first
      let answer;
      try {
        answer = await uploadPhoto(photo);
      } catch (error) {
        const current = await store.get('photos', photo.id);
        if (isOffline(error)) {
          await store.put('photos', { ...current, status: 'waiting' });
          onChange();
          return false;
        }
        await store.put('photos', { ...current, status: 'rejected', error: error.message || '上传失败' });
        onChange();
        continue;
      }
      const current = await store.get('photos', photo.id);
      await store.put('photos', { ...current, status: 'uploaded', evidence: answer.evidence, error: '' });
      await store.remove('blobs', photo.id); // the server has it (and checked its SHA-256)
      const record = await store.get('cases', photo.case_id);
      if (record && record.server && answer.case.version > record.server.version) {
        // evidence moves the server's version but not the content our form is based on
        const version = record.version === record.server.version ? answer.case.version : record.version;
        await putCase({ ...record, version, server: answer.case });
      } else {
        onChange();
      }
    }
    return true;
  }

  // One pass: cases, then the photos of cases the server has. Calls made while a pass runs wait
  // for it. Returns {online}: false when the network (or the server) was not there.
  function sync() {
    if (!running) {
      running = (async () => {
        const casesSent = await sendCases();
        const photosSent = casesSent ? await sendPhotos() : false;
        return { online: casesSent && photosSent };
      })().finally(() => { running = null; });
    }
    return running;
  }

  // A 409: keep ours (sent again on the server's current version) or theirs (replaces ours).
  async function resolve(id, keep, fromServer) {
    const record = await store.get('cases', id);
    if (!record || record.status !== 'conflict') return record;
    const server = record.conflict;
    if (keep === 'local') {
      return putCase({ ...record, version: server.version, server, conflict: null, error: '', status: 'waiting', rev: record.rev + 1 });
    }
    return putCase({ ...record, form: fromServer(server, record.form), version: server.version, server, conflict: null,
      error: '', status: 'synced', rev: record.rev + 1, synced_at: now() });
  }

  // The server's case after an online step (立案, a supervisor's return, 当场处罚): a copy that is
  // not edited locally moves to the server's version; local edits keep theirs (a 409 will tell).
  async function adopt(id, server) {
    const record = await store.get('cases', id);
    if (!record || !server || (record.server && record.server.version >= server.version)) return record;
    const untouched = !record.server || record.version === record.server.version;
    return putCase({ ...record, server, version: untouched && record.status === 'synced' ? server.version : record.version });
  }

  return { save, addPhoto, photosOf, list, counts, sync, resolve, adopt, get: (id) => store.get('cases', id) };
}
