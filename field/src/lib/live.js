// The live socket (/api/v1/ws) that pushes task alerts: its URL, frames, close codes, backoff and
// the connection's life (connect, auth, keep-alive ping, reconnect). The transport is injected
// (api.js: the browser WebSocket on h5, uni.connectSocket on the mini-program), so this runs in
// vitest with a fake socket and fake timers.
export const PING_MS = 25000; // proxies close idle sockets after 30–60 s
export const READY_MS = 15000; // no `ready` by then: the connection hangs, start again
export const BACKOFF = Object.freeze({ base: 1000, cap: 30000 });
export const UNAUTHORIZED = 4401; // token missing, invalid or expired: renew it, then reconnect
export const FORBIDDEN = 4403; // not for this account: never retry
const DEAD = 4000; // our own code: no `ready` or no `pong` in time

// Fallback polling: every 10 s while the socket is not live; when it is, only a rare safety net
// (a message lost between two sockets). `field_poll_ms` in storage lengthens the fallback (tests).
export const POLL_MS = 10000;
export const SAFETY_POLL_MS = 60000;
export const POLL_KEY = 'field_poll_ms';

export const LIVE_LABEL = Object.freeze({
  connecting: '连接中…', live: '实时', retrying: '重连中…', stopped: '实时推送不可用，定时刷新', off: '',
});

// ws(s)://… for the API base (https → wss); on h5 the base is '' and the page's origin is used.
export function wsUrl(apiBase, origin) {
  const root = String(apiBase || origin || '').replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]/i.test(root)) throw new TypeError(`wsUrl: not an http(s) base: ${root}`);
  return `${root.replace(/^https?/i, (scheme) => (scheme.length === 5 ? 'wss' : 'ws'))}/api/v1/ws`;
}

// A frame → {type: 'ready'} | {type: 'pong'} | {type: 'message', message}, or null for anything else
// (binary, not JSON, an unknown type, a message without a body): ignored, never fatal.
export function parseFrame(data) {
  if (typeof data !== 'string') return null;
  if (data === 'pong') return { type: 'pong' };
  let body;
  try {
    body = JSON.parse(data);
  } catch {
    return null;
  }
  if (!body || typeof body !== 'object') return null;
  if (body.type === 'ready') return { type: 'ready' };
  if (body.type === 'message' && body.message && typeof body.message === 'object') {
    return { type: 'message', message: body.message };
  }
  return null;
}

// What to do when the socket closes: 'stop' (4403; or 4401 again right after a renewal),
// 'renew' (4401: a fresh token, then reconnect at once) or 'retry' (anything else, after a backoff).
export function closeAction(code, renewedSinceReady) {
  if (code === FORBIDDEN) return 'stop';
  if (code === UNAUTHORIZED) return renewedSinceReady ? 'stop' : 'renew';
  return 'retry';
}

// Milliseconds before reconnect number `attempt` (0, 1, …): 1 s, 2 s, 4 s … capped at 30 s, each
// drawn from its upper half ("equal jitter") so phones dropped together do not return together.
export function backoffDelay(attempt, random = Math.random, { base, cap } = BACKOFF) {
  const ceiling = Math.min(cap, base * 2 ** Math.max(0, attempt));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

// The fallback poll interval from the stored override (5 s – 10 min), else 10 s.
export function pollSetting(stored) {
  const ms = Number(stored);
  return Number.isFinite(ms) && stored !== null && stored !== '' ? Math.min(600000, Math.max(5000, ms)) : POLL_MS;
}

export function pollDelay(state, fallbackMs = POLL_MS) {
  return state === 'live' ? Math.max(SAFETY_POLL_MS, fallbackMs) : fallbackMs;
}

// open({token, onFrame, onClose}) → {send(text), close()}: the transport. It authenticates (header
// or first message) and calls onClose(code) once, also when the connection fails.
// token() → the access token or null (logged out); renew() → a fresh token (the HTTP client's
// refresh); onState(state) with state one of LIVE_LABEL's keys.
export function createLive({ open, token, renew, onMessage, onState = () => {}, random = Math.random }) {
  let running = false;
  let conn = null; // the current connection; a close from an older one is ignored
  let attempt = 0;
  let renewed = false; // a renewal since the last `ready`: a second 4401 then means the login is gone
  let everLive = false;
  let state = 'off';
  let retryTimer = null;
  let readyTimer = null;
  let pingTimer = null;
  let awaitingPong = false;

  function setState(next) {
    if (next === state) return;
    state = next;
    onState(next);
  }

  function clearTimers() {
    clearTimeout(retryTimer);
    clearTimeout(readyTimer);
    clearInterval(pingTimer);
    retryTimer = readyTimer = pingTimer = null;
  }

  function connect() {
    clearTimers();
    const current = token();
    if (!running || !current) {
      stop();
      return;
    }
    setState(everLive || attempt > 0 ? 'retrying' : 'connecting');
    const self = {};
    conn = self;
    readyTimer = setTimeout(() => drop(self, DEAD), READY_MS);
    try {
      self.socket = open({
        token: current,
        onFrame: (data) => { if (conn === self) frame(data); },
        onClose: (code) => closed(self, code),
      });
    } catch { /* the platform refused the URL: as a failed connect */
      closed(self, 1006);
    }
  }

  function frame(data) {
    const parsed = parseFrame(data);
    if (!parsed) return;
    if (parsed.type === 'pong') {
      awaitingPong = false;
    } else if (parsed.type === 'ready') {
      clearTimeout(readyTimer);
      attempt = 0;
      renewed = false;
      everLive = true;
      awaitingPong = false;
      pingTimer = setInterval(ping, PING_MS);
      setState('live');
    } else {
      onMessage(parsed.message);
    }
  }

  function ping() {
    if (awaitingPong) { // a half-open connection (the phone changed networks): start again
      drop(conn, DEAD);
      return;
    }
    awaitingPong = true;
    try { conn.socket.send('ping'); } catch { /* the close event follows */ }
  }

  function drop(self, code) {
    if (self && self.socket) {
      try { self.socket.close(); } catch { /* already closed */ }
    }
    closed(self, code);
  }

  async function closed(self, code) {
    if (conn !== self) return;
    conn = null;
    clearTimers();
    if (!running) return;
    const action = closeAction(code, renewed);
    if (action === 'stop') {
      running = false;
      setState('stopped');
      return;
    }
    if (action === 'renew') {
      setState('retrying');
      try {
        await renew();
        renewed = true;
      } catch { /* offline: try again after the backoff; logged out: token() is null then */
        if (running && !conn) retryTimer = setTimeout(connect, backoffDelay(attempt++, random));
        return;
      }
      if (running && !conn) connect();
      return;
    }
    setState('retrying');
    retryTimer = setTimeout(connect, backoffDelay(attempt++, random));
  }

  function start() {
    if (running) return;
    running = true;
    attempt = 0;
    renewed = false;
    connect();
  }

  function stop() {
    running = false;
    clearTimers();
    const self = conn;
    conn = null;
    if (self && self.socket) {
      try { self.socket.close(); } catch { /* already closed */ }
    }
    setState('off');
  }

  return { start, stop, state: () => state };
}
