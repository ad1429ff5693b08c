import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  LIVE_LABEL, PING_MS, POLL_MS, READY_MS, SAFETY_POLL_MS, backoffDelay, closeAction, createLive, parseFrame,
  pollDelay, pollSetting, wsUrl,
} from '../src/lib/live.js';

describe('the socket URL', () => {
  it('follows the API base: http → ws, https → wss, path kept', () => {
    expect(wsUrl('http://127.0.0.1:8000')).toBe('ws://127.0.0.1:8000/api/v1/ws');
    expect(wsUrl('https://gov.example.cn/')).toBe('wss://gov.example.cn/api/v1/ws');
    expect(wsUrl('HTTPS://gov.example.cn/city//')).toBe('wss://gov.example.cn/city/api/v1/ws');
  });

  it("takes the page's origin when the base is relative (h5 served by the backend)", () => {
    expect(wsUrl('', 'https://zhifa.example.cn')).toBe('wss://zhifa.example.cn/api/v1/ws');
    expect(wsUrl(undefined, 'http://localhost:8000')).toBe('ws://localhost:8000/api/v1/ws');
  });

  it('refuses anything that is not http(s)', () => {
    expect(() => wsUrl('', '')).toThrow(TypeError);
    expect(() => wsUrl('ftp://x')).toThrow(TypeError);
    expect(() => wsUrl('/api')).toThrow(TypeError);
  });
});

describe('frames', () => {
  it('reads ready, pong and messages', () => {
    expect(parseFrame('{"type":"ready"}')).toEqual({ type: 'ready' });
    expect(parseFrame('pong')).toEqual({ type: 'pong' });
    expect(parseFrame('{"type":"message","message":{"id":"m1","title":"新任务"}}'))
      .toEqual({ type: 'message', message: { id: 'm1', title: '新任务' } });
  });

  it('ignores bad frames', () => {
    for (const bad of ['', 'ping', '{', 'null', '42', '"ready"', '[]', '{"type":"message"}',
      '{"type":"message","message":"x"}', '{"type":"other"}', new ArrayBuffer(2), null, undefined]) {
      expect(parseFrame(bad)).toBeNull();
    }
  });
});

describe('close codes', () => {
  it('4403 stops, 4401 renews once, anything else retries', () => {
    expect(closeAction(4403, false)).toBe('stop');
    expect(closeAction(4401, false)).toBe('renew');
    expect(closeAction(4401, true)).toBe('stop');
    for (const code of [1000, 1001, 1006, 1011, 4000, undefined]) expect(closeAction(code, false)).toBe('retry');
  });
});

describe('backoff', () => {
  it('doubles from 1 s up to 30 s, each delay in the upper half of its step', () => {
    const low = [0, 1, 2, 3, 4, 5, 6, 10].map((n) => backoffDelay(n, () => 0));
    const high = [0, 1, 2, 3, 4, 5, 6, 10].map((n) => backoffDelay(n, () => 1));
    expect(high).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    expect(low).toEqual([500, 1000, 2000, 4000, 8000, 15000, 15000, 15000]);
    expect(backoffDelay(3, () => 0.5)).toBe(6000);
  });
});

describe('polling', () => {
  it('every 10 s while the socket is not live, every 60 s while it is', () => {
    expect(pollDelay('retrying')).toBe(POLL_MS);
    expect(pollDelay('off')).toBe(POLL_MS);
    expect(pollDelay('live')).toBe(SAFETY_POLL_MS);
    expect(pollDelay('live', 120000)).toBe(120000);
  });

  it('takes a stored override within 5 s – 10 min', () => {
    expect(pollSetting(null)).toBe(10000);
    expect(pollSetting('')).toBe(10000);
    expect(pollSetting('abc')).toBe(10000);
    expect(pollSetting('120000')).toBe(120000);
    expect(pollSetting(1)).toBe(5000);
    expect(pollSetting(1e9)).toBe(600000);
  });

  it('has a label for each state', () => {
    expect(LIVE_LABEL.live).toBe('实时');
    expect(LIVE_LABEL.retrying).toBe('重连中…');
  });
});

// A fake transport: each open() is a connection the test drives.
function harness({ token = 'T1', renew } = {}) {
  const sockets = [];
  const messages = [];
  const states = [];
  const auth = { token };
  const live = createLive({
    open: ({ token: used, onFrame, onClose }) => {
      const socket = { used, sent: [], closed: false, onFrame, onClose };
      socket.send = (text) => socket.sent.push(text);
      socket.close = () => { socket.closed = true; };
      sockets.push(socket);
      return socket;
    },
    token: () => auth.token,
    renew: renew || (async () => { auth.token = 'T2'; }),
    onMessage: (m) => messages.push(m),
    onState: (s) => states.push(s),
    random: () => 1,
  });
  const last = () => sockets[sockets.length - 1];
  return { live, sockets, messages, states, auth, last };
}

const READY = '{"type":"ready"}';

describe('the connection', () => {
  beforeEach(() => { vi.useFakeTimers(); });
  afterEach(() => { vi.useRealTimers(); });

  it('is live after ready, passes messages on, and pings every 25 s', () => {
    const h = harness();
    h.live.start();
    expect(h.states).toEqual(['connecting']);
    expect(h.last().used).toBe('T1');
    h.last().onFrame(READY);
    expect(h.live.state()).toBe('live');
    h.last().onFrame('{"type":"message","message":{"id":"a"}}');
    h.last().onFrame('not json');
    expect(h.messages).toEqual([{ id: 'a' }]);
    vi.advanceTimersByTime(PING_MS);
    expect(h.last().sent).toEqual(['ping']);
    h.last().onFrame('pong');
    vi.advanceTimersByTime(PING_MS);
    expect(h.last().sent).toEqual(['ping', 'ping']);
    expect(h.sockets).toHaveLength(1);
  });

  it('reconnects with growing delays after drops, and from 1 s again once live', () => {
    const h = harness();
    h.live.start();
    h.last().onClose(1006);
    expect(h.live.state()).toBe('retrying');
    vi.advanceTimersByTime(999);
    expect(h.sockets).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(h.sockets).toHaveLength(2);
    h.last().onClose(1006);
    vi.advanceTimersByTime(1999);
    expect(h.sockets).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(h.sockets).toHaveLength(3);
    h.last().onFrame(READY);
    h.last().onClose(1001); // the server restarts
    vi.advanceTimersByTime(1000);
    expect(h.sockets).toHaveLength(4);
    expect(h.states).toEqual(['connecting', 'retrying', 'live', 'retrying']);
  });

  it('drops a connection whose ping goes unanswered, or that never says ready', () => {
    const h = harness();
    h.live.start();
    vi.advanceTimersByTime(READY_MS);
    expect(h.sockets[0].closed).toBe(true);
    vi.advanceTimersByTime(1000);
    expect(h.sockets).toHaveLength(2);
    h.last().onFrame(READY);
    vi.advanceTimersByTime(2 * PING_MS); // ping, no pong, then give up on it
    expect(h.sockets[1].closed).toBe(true);
    expect(h.live.state()).toBe('retrying');
    h.sockets[1].onClose(1005); // the late close of the dropped socket changes nothing
    vi.advanceTimersByTime(1000);
    expect(h.sockets).toHaveLength(3);
  });

  it('on 4401 renews the token once and reconnects at once; 4401 again stops', async () => {
    const renew = vi.fn(async () => { h.auth.token = 'T2'; });
    const h = harness({ renew });
    h.live.start();
    h.last().onClose(4401);
    await vi.waitFor(() => expect(h.sockets).toHaveLength(2));
    expect(renew).toHaveBeenCalledTimes(1);
    expect(h.last().used).toBe('T2');
    h.last().onClose(4401);
    await Promise.resolve();
    expect(h.live.state()).toBe('stopped');
    vi.advanceTimersByTime(60000);
    expect(h.sockets).toHaveLength(2);
    expect(renew).toHaveBeenCalledTimes(1);
  });

  it('renews again after a ready (the next token expiry)', async () => {
    const renew = vi.fn(async () => {});
    const h = harness({ renew });
    h.live.start();
    h.last().onClose(4401);
    await vi.waitFor(() => expect(h.sockets).toHaveLength(2));
    h.last().onFrame(READY);
    h.last().onClose(4401);
    await vi.waitFor(() => expect(h.sockets).toHaveLength(3));
    expect(renew).toHaveBeenCalledTimes(2);
  });

  it('a failed renewal (offline) retries after the backoff; a lost login turns it off', async () => {
    const h = harness({ renew: async () => { throw Object.assign(new Error('offline'), { status: 0 }); } });
    h.live.start();
    h.last().onClose(4401);
    await Promise.resolve();
    await Promise.resolve();
    expect(h.sockets).toHaveLength(1);
    vi.advanceTimersByTime(1000);
    expect(h.sockets).toHaveLength(2);
    h.auth.token = null; // the refresh failed for good: logged out
    h.last().onClose(4401);
    await Promise.resolve();
    await Promise.resolve();
    vi.advanceTimersByTime(2000);
    expect(h.sockets).toHaveLength(2);
    expect(h.live.state()).toBe('off');
  });

  it('4403 stops for good', () => {
    const h = harness();
    h.live.start();
    h.last().onClose(4403);
    vi.advanceTimersByTime(120000);
    expect(h.sockets).toHaveLength(1);
    expect(h.live.state()).toBe('stopped');
  });

  it('stop closes the socket and cancels the reconnect; logged out never connects', () => {
    const h = harness();
    h.live.start();
    h.last().onFrame(READY);
    h.live.stop();
    expect(h.sockets[0].closed).toBe(true);
    h.sockets[0].onClose(1000);
    vi.advanceTimersByTime(120000);
    expect(h.sockets).toHaveLength(1);
    expect(h.live.state()).toBe('off');

    const out = harness({ token: null });
    out.live.start();
    expect(out.sockets).toHaveLength(0);
    expect(out.live.state()).toBe('off');
  });

  it('a transport that throws counts as a failed connect', () => {
    let calls = 0;
    const live = createLive({
      open: () => { calls += 1; throw new Error('bad url'); },
      token: () => 'T', renew: async () => {}, onMessage: () => {}, random: () => 1,
    });
    live.start();
    expect(live.state()).toBe('retrying');
    vi.advanceTimersByTime(1000);
    expect(calls).toBe(2);
    live.stop();
  });
});
