// Test doubles: an in-memory storage and a scripted transport that records every request.

export function memoryStorage(initial = {}) {
  const map = new Map(Object.entries(initial));
  return {
    map,
    get: (key) => (map.has(key) ? map.get(key) : null),
    set: (key, value) => { map.set(key, value); },
    remove: (key) => { map.delete(key); },
  };
}

export function reply(status, data, headers = {}) {
  return { status, headers, data };
}

// handler(req, calls) returns a response, a promise of one, or throws for a network failure.
export function fakeTransport(handler) {
  const calls = [];
  const request = async (options) => {
    const req = { ...options, body: options.data === undefined ? undefined : JSON.parse(options.data) };
    calls.push(req);
    return handler(req, calls);
  };
  return { request, calls };
}

// Answers from a list, in order; the last entry repeats.
export function scripted(...responses) {
  let i = 0;
  return fakeTransport(() => {
    const next = responses[Math.min(i, responses.length - 1)];
    i += 1;
    if (next instanceof Error) throw next;
    return next;
  });
}

export function recordingSleep() {
  const waits = [];
  const sleep = async (ms) => { waits.push(ms); };
  return { sleep, waits };
}

export function deferred() {
  let resolve;
  const promise = new Promise((r) => { resolve = r; });
  return { promise, resolve };
}

export const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
