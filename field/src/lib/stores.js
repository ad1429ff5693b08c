// Where the app keeps cases, photos and photo bytes on the device, behind one small async
// interface (tables 'cases', 'photos', 'blobs'; records keyed by `id`):
//   all(table) → [records], get(table, id) → record | null, put(table, record), remove(table, id)
// memoryStore for tests, idbStore on h5 (IndexedDB: survives closing the page and a reboot),
// uniStore on the mini-programs (uni storage for records, saved files for bytes).

export const TABLES = Object.freeze(['cases', 'photos', 'blobs']);

function copy(value) {
  return value === undefined || value === null ? null : structuredClone(value);
}

export function memoryStore() {
  const tables = Object.fromEntries(TABLES.map((t) => [t, new Map()]));
  return {
    async all(table) { return [...tables[table].values()].map(copy); },
    async get(table, id) { return copy(tables[table].get(id)); },
    async put(table, record) { tables[table].set(record.id, copy(record)); },
    async remove(table, id) { tables[table].delete(id); },
  };
}

function promised(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

export function idbStore(indexedDB = globalThis.indexedDB, name = 'zhifatong') {
  let opening = null;
  function open() {
    if (!opening) {
      const request = indexedDB.open(name, 1);
      request.onupgradeneeded = () => {
        for (const table of TABLES) {
          if (!request.result.objectStoreNames.contains(table)) request.result.createObjectStore(table, { keyPath: 'id' });
        }
      };
      opening = promised(request);
    }
    return opening;
  }
  async function run(table, mode, work) {
    const db = await open();
    const tx = db.transaction(table, mode);
    const result = await promised(work(tx.objectStore(table)));
    if (mode === 'readwrite') {
      await new Promise((resolve, reject) => {
        tx.oncomplete = resolve; // durable before we report it saved
        tx.onerror = () => reject(tx.error);
        tx.onabort = () => reject(tx.error);
      });
    }
    return result;
  }
  return {
    all: (table) => run(table, 'readonly', (s) => s.getAll()),
    get: async (table, id) => (await run(table, 'readonly', (s) => s.get(id))) ?? null,
    put: async (table, record) => { await run(table, 'readwrite', (s) => s.put(record)); },
    remove: async (table, id) => { await run(table, 'readwrite', (s) => s.delete(id)); },
  };
}

// kv: {get(key), set(key, value)} (uni storage); files: {write(id, bytes), read(id), remove(id)}.
export function uniStore(kv, files) {
  const key = (table) => `field:${table}`;
  const load = (table) => kv.get(key(table)) || {};
  return {
    async all(table) {
      if (table === 'blobs') throw new Error('blobs are read one by one');
      return Object.values(load(table));
    },
    async get(table, id) {
      if (table === 'blobs') {
        const data = await files.read(id);
        return data ? { id, data } : null;
      }
      return load(table)[id] || null;
    },
    async put(table, record) {
      if (table === 'blobs') return files.write(record.id, record.data);
      kv.set(key(table), { ...load(table), [record.id]: record });
    },
    async remove(table, id) {
      if (table === 'blobs') return files.remove(id);
      const all = load(table);
      delete all[id];
      kv.set(key(table), all);
    },
  };
}
