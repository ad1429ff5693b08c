import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { ApiError, buildUrl, createClient, parseRetryAfter, uuidv4 } from '../src/common/http.js';
import { deferred, fakeTransport, memoryStorage, recordingSleep, reply, scripted, UUID_V4 } from './support.js';

const BASE = 'https://api.example.gov.cn';

function setup(transport, { tokens = true, ...extra } = {}) {
  const storage = memoryStorage(tokens ? { access_token: 'old-access', refresh_token: 'old-refresh', resident: { id: 'r1' } } : {});
  const { sleep, waits } = recordingSleep();
  const loginRequired = [];
  const client = createClient({
    baseUrl: `${BASE}/`,
    request: transport.request,
    storage,
    channel: 'wechat',
    onLoginRequired: () => loginRequired.push(true),
    sleep,
    ...extra,
  });
  return { client, storage, waits, loginRequired, calls: transport.calls };
}

const apiError = (status, code, message, details, headers) =>
  reply(status, { error: { code, message, ...(details ? { details } : {}) } }, headers);

describe('success paths', () => {
  test('GET joins the base URL, sends the bearer token and returns the parsed body', async () => {
    const t = scripted(reply(200, { items: [1, 2] }));
    const { client, calls } = setup(t);
    assert.deepEqual(await client.get('/api/v1/services'), { items: [1, 2] });
    assert.equal(calls.length, 1);
    assert.equal(calls[0].url, `${BASE}/api/v1/services`);
    assert.equal(calls[0].method, 'GET');
    assert.equal(calls[0].headers.Authorization, 'Bearer old-access');
    assert.equal(calls[0].headers.Accept, 'application/json');
    assert.equal(calls[0].data, undefined);
    assert.equal(calls[0].headers['Content-Type'], undefined);
  });

  test('no Authorization header without a stored token', async () => {
    const t = scripted(reply(200, { ok: true }));
    const { client, calls } = setup(t, { tokens: false });
    await client.get('/api/v1/services');
    assert.equal('Authorization' in calls[0].headers, false);
  });

  test('POST sends a JSON body and parses a JSON string answer', async () => {
    const t = scripted(reply(201, '{"id":"a1","state":"submitted"}'));
    const { client, calls } = setup(t);
    const answer = await client.post('/api/v1/applications', { service: 's1', form: { 姓名: '张三' } });
    assert.deepEqual(answer, { id: 'a1', state: 'submitted' });
    assert.equal(calls[0].method, 'POST');
    assert.equal(calls[0].headers['Content-Type'], 'application/json');
    assert.equal(calls[0].data, '{"service":"s1","form":{"姓名":"张三"}}');
  });

  test('PUT and DELETE use their methods; an empty 204 answer is null', async () => {
    const t = scripted(reply(200, { saved: true }), reply(204, ''));
    const { client, calls } = setup(t);
    assert.deepEqual(await client.put('/api/v1/me/address', { city: '杭州' }), { saved: true });
    assert.equal(await client.del('/api/v1/subscriptions/x', { query: { all: 1 } }), null);
    assert.deepEqual(calls.map((c) => c.method), ['PUT', 'DELETE']);
    assert.deepEqual(calls[0].body, { city: '杭州' });
    assert.equal(calls[1].url, `${BASE}/api/v1/subscriptions/x?all=1`);
  });

  test('extra headers pass through (e.g. If-Match)', async () => {
    const t = scripted(reply(200, {}));
    const { client, calls } = setup(t);
    await client.put('/api/v1/x', {}, { headers: { 'If-Match': '"v3"' } });
    assert.equal(calls[0].headers['If-Match'], '"v3"');
  });
});

describe('query strings', () => {
  test('Chinese terms and reserved characters are percent-encoded', async () => {
    const t = scripted(reply(200, []));
    const { client, calls } = setup(t);
    await client.get('/api/v1/services', { query: { q: '社保', tag: 'a&b=c d', page: 2 } });
    assert.equal(calls[0].url, `${BASE}/api/v1/services?q=%E7%A4%BE%E4%BF%9D&tag=a%26b%3Dc%20d&page=2`);
  });

  test('null and undefined are skipped, arrays repeat the key, an existing ? is extended', () => {
    assert.equal(buildUrl(BASE, '/s', { a: null, b: undefined, c: ['x', '办'] }), `${BASE}/s?c=x&c=%E5%8A%9E`);
    assert.equal(buildUrl(BASE, '/s?x=1', { y: 0 }), `${BASE}/s?x=1&y=0`);
    assert.equal(buildUrl(`${BASE}//`, '/s', {}), `${BASE}/s`);
  });
});

describe('error mapping', () => {
  test('a JSON error body becomes an ApiError with the server message and details', async () => {
    const t = scripted(apiError(409, 'menu.stale_base', '菜单已被他人修改，请刷新后重试', { base: 3, current: 4 }));
    const { client } = setup(t);
    const error = await client.post('/api/v1/menus', {}).then(() => null, (e) => e);
    assert.ok(error instanceof ApiError);
    assert.ok(error instanceof Error);
    assert.equal(error.name, 'ApiError');
    assert.equal(error.status, 409);
    assert.equal(error.code, 'menu.stale_base');
    assert.equal(error.message, '菜单已被他人修改，请刷新后重试');
    assert.deepEqual(error.details, { base: 3, current: 4 });
    assert.equal(error.retryAfter, null);
  });

  test('a JSON error delivered as an unparsed string is still read', async () => {
    const t = scripted(reply(422, '{"error":{"code":"validation","message":"表单有误","details":{"phone":"格式不正确"}}}'));
    const { client } = setup(t);
    await assert.rejects(client.post('/api/v1/x', {}), {
      status: 422, code: 'validation', message: '表单有误', details: { phone: '格式不正确' },
    });
  });

  test('a non-JSON body gets an http.<status> code and a Chinese message', async () => {
    const t = scripted(reply(502, '<html><body>Bad Gateway</body></html>', { 'Content-Type': 'text/html' }));
    const { client, calls } = setup(t);
    await assert.rejects(client.post('/api/v1/x', {}), {
      name: 'ApiError', status: 502, code: 'http.502', message: '服务暂时不可用，请稍后再试', details: null,
    });
    assert.equal(calls.length, 1);
  });

  test('a non-JSON 404 and an empty 403 get their own messages', async () => {
    const t = scripted(reply(404, 'Not Found'), reply(403, ''));
    const { client } = setup(t);
    await assert.rejects(client.get('/nope'), { status: 404, code: 'http.404', message: '请求的内容不存在' });
    await assert.rejects(client.get('/nope'), { status: 403, code: 'http.403', message: '没有权限进行此操作' });
  });

  test('a network failure is status 0, code network, with the cause kept', async () => {
    const boom = new Error('request:fail timeout');
    const t = scripted(boom);
    const { client, calls } = setup(t);
    const error = await client.post('/api/v1/x', {}).then(() => null, (e) => e);
    assert.equal(error.status, 0);
    assert.equal(error.code, 'network');
    assert.equal(error.message, '网络异常，请检查网络后重试');
    assert.equal(error.cause, boom);
    assert.equal(calls.length, 1); // plain POST: not retried
  });
});

describe('token refresh', () => {
  const refreshed = { access_token: 'new-access', refresh_token: 'new-refresh', token_type: 'Bearer', resident: { id: 'r1', realname: true } };

  test('a 401 token_expired refreshes once, stores both tokens and replays the request', async () => {
    const t = fakeTransport((req) => {
      if (req.url.endsWith('/api/v1/auth/refresh')) return reply(200, refreshed);
      if (req.headers.Authorization === 'Bearer old-access') return apiError(401, 'auth.token_expired', '登录已过期，请刷新或重新登录');
      return reply(200, { mine: true });
    });
    const { client, storage, calls, loginRequired } = setup(t);
    assert.deepEqual(await client.get('/api/v1/applications'), { mine: true });
    assert.deepEqual(calls.map((c) => c.url.replace(BASE, '')), ['/api/v1/applications', '/api/v1/auth/refresh', '/api/v1/applications']);
    assert.equal(calls[1].method, 'POST');
    assert.deepEqual(calls[1].body, { refresh_token: 'old-refresh' });
    assert.equal('Authorization' in calls[1].headers, false);
    assert.equal(calls[2].headers.Authorization, 'Bearer new-access');
    assert.equal(storage.get('access_token'), 'new-access');
    assert.equal(storage.get('refresh_token'), 'new-refresh');
    assert.deepEqual(storage.get('resident'), { id: 'r1', realname: true });
    assert.equal(loginRequired.length, 0);
  });

  test('auth.token_invalid also refreshes; the replayed idempotent POST keeps its key', async () => {
    const t = fakeTransport((req) => {
      if (req.url.endsWith('/auth/refresh')) return reply(200, refreshed);
      if (req.headers.Authorization === 'Bearer old-access') return apiError(401, 'auth.token_invalid', '登录凭证无效');
      return reply(201, { id: 'a1' });
    });
    const { client, calls } = setup(t);
    assert.deepEqual(await client.post('/api/v1/applications', { s: 1 }, { idempotent: true }), { id: 'a1' });
    assert.equal(calls.length, 3);
    assert.match(calls[0].headers['Idempotency-Key'], UUID_V4);
    assert.equal(calls[2].headers['Idempotency-Key'], calls[0].headers['Idempotency-Key']);
    assert.deepEqual(calls[2].body, { s: 1 });
  });

  test('two concurrent 401s share exactly one refresh', async () => {
    const gate = deferred();
    const t = fakeTransport(async (req) => {
      if (req.url.endsWith('/auth/refresh')) {
        await gate.promise; // hold the refresh until both requests have failed
        return reply(200, refreshed);
      }
      if (req.headers.Authorization === 'Bearer old-access') return apiError(401, 'auth.token_expired', '登录已过期');
      return reply(200, { path: req.url.replace(BASE, '') });
    });
    const { client, calls } = setup(t);
    const both = Promise.all([client.get('/a'), client.get('/b')]);
    await new Promise((r) => setImmediate(r));
    assert.equal(calls.filter((c) => c.url.endsWith('/auth/refresh')).length, 1);
    gate.resolve();
    assert.deepEqual(await both, [{ path: '/a' }, { path: '/b' }]);
    assert.equal(calls.filter((c) => c.url.endsWith('/auth/refresh')).length, 1);
    const replays = calls.filter((c) => c.headers.Authorization === 'Bearer new-access').map((c) => c.url.replace(BASE, ''));
    assert.deepEqual(replays.sort(), ['/a', '/b']);
  });

  test('a 401 arriving after another call already refreshed replays without a second refresh', async () => {
    const slow = deferred();
    const t = fakeTransport(async (req) => {
      if (req.url.endsWith('/auth/refresh')) return reply(200, refreshed);
      if (req.url.endsWith('/slow') && req.headers.Authorization === 'Bearer old-access') {
        await slow.promise;
        return apiError(401, 'auth.token_expired', '登录已过期');
      }
      if (req.headers.Authorization === 'Bearer old-access') return apiError(401, 'auth.token_expired', '登录已过期');
      return reply(200, { ok: req.url.replace(BASE, '') });
    });
    const { client, calls } = setup(t);
    const slowCall = client.get('/slow');
    assert.deepEqual(await client.get('/fast'), { ok: '/fast' }); // refreshes
    slow.resolve();
    assert.deepEqual(await slowCall, { ok: '/slow' });
    assert.equal(calls.filter((c) => c.url.endsWith('/auth/refresh')).length, 1);
  });

  test('a rejected refresh clears the login, calls onLoginRequired once and rejects with the original error', async () => {
    const t = fakeTransport((req) => {
      if (req.url.endsWith('/auth/refresh')) return apiError(401, 'auth.refresh_invalid', '请重新登录');
      return apiError(401, 'auth.token_expired', '登录已过期，请刷新或重新登录');
    });
    const { client, storage, calls, loginRequired } = setup(t);
    const results = await Promise.allSettled([client.get('/a'), client.post('/b', {})]);
    for (const r of results) {
      assert.equal(r.status, 'rejected');
      assert.equal(r.reason.status, 401);
      assert.equal(r.reason.code, 'auth.token_expired');
      assert.equal(r.reason.message, '登录已过期，请刷新或重新登录');
    }
    assert.equal(loginRequired.length, 1);
    assert.equal(calls.filter((c) => c.url.endsWith('/auth/refresh')).length, 1);
    assert.equal(storage.get('access_token'), null);
    assert.equal(storage.get('refresh_token'), null);
    assert.equal(storage.get('resident'), null);
  });

  test('a 400 from refresh also ends the login', async () => {
    const t = fakeTransport((req) => (req.url.endsWith('/auth/refresh')
      ? apiError(400, 'validation', '请求有误')
      : apiError(401, 'auth.token_invalid', '登录凭证无效')));
    const { client, storage, loginRequired } = setup(t);
    await assert.rejects(client.get('/a'), { code: 'auth.token_invalid' });
    assert.equal(loginRequired.length, 1);
    assert.equal(storage.get('access_token'), null);
  });

  test('no stored refresh token: login required without calling refresh', async () => {
    const t = scripted(apiError(401, 'auth.token_expired', '登录已过期'));
    const { client, storage, calls, loginRequired } = setup(t);
    storage.remove('refresh_token');
    await assert.rejects(client.get('/a'), { code: 'auth.token_expired' });
    assert.equal(calls.length, 1);
    assert.equal(loginRequired.length, 1);
    assert.equal(storage.get('access_token'), null);
  });

  test('a refresh lost to the network keeps the login and is not retried', async () => {
    const t = fakeTransport((req) => {
      if (req.url.endsWith('/auth/refresh')) throw new Error('offline');
      return apiError(401, 'auth.token_expired', '登录已过期');
    });
    const { client, storage, calls, loginRequired, waits } = setup(t);
    await assert.rejects(client.get('/a'), { status: 0, code: 'network' });
    assert.equal(calls.filter((c) => c.url.endsWith('/auth/refresh')).length, 1);
    assert.deepEqual(waits, []);
    assert.equal(loginRequired.length, 0);
    assert.equal(storage.get('refresh_token'), 'old-refresh');
  });

  test('a replay that gets 401 again rejects instead of looping', async () => {
    const t = fakeTransport((req) => (req.url.endsWith('/auth/refresh')
      ? reply(200, refreshed)
      : apiError(401, 'auth.token_invalid', '登录凭证无效')));
    const { client, calls } = setup(t);
    await assert.rejects(client.get('/a'), { status: 401, code: 'auth.token_invalid' });
    assert.equal(calls.length, 3);
  });

  test('other 401 codes, and 401s on calls made without a token, do not refresh', async () => {
    const t = scripted(apiError(401, 'auth.otp_invalid', '验证码错误'));
    const { client, calls, loginRequired } = setup(t);
    await assert.rejects(client.post('/api/v1/auth/app', { phone: '1', otp: '2' }), { code: 'auth.otp_invalid' });
    const anon = scripted(apiError(401, 'auth.token_expired', '登录已过期'));
    const s2 = setup(anon, { tokens: false });
    await assert.rejects(s2.client.get('/a'), { code: 'auth.token_expired' });
    assert.equal(calls.length, 1);
    assert.equal(anon.calls.length, 1);
    assert.equal(loginRequired.length + s2.loginRequired.length, 0);
  });
});

describe('idempotency keys', () => {
  test('an idempotent POST carries a UUID v4 key; a plain POST carries none', async () => {
    const t = scripted(reply(201, {}));
    const { client, calls } = setup(t);
    await client.post('/api/v1/applications', {}, { idempotent: true });
    await client.post('/api/v1/feedback', {});
    assert.match(calls[0].headers['Idempotency-Key'], UUID_V4);
    assert.equal('Idempotency-Key' in calls[1].headers, false);
  });

  test('the key is reused by every retry of one call and differs between calls', async () => {
    const t = scripted(reply(503, ''), new Error('reset'), reply(201, { id: 'a1' }), reply(201, { id: 'a2' }));
    const { client, calls, waits } = setup(t);
    assert.deepEqual(await client.post('/api/v1/applications', { x: 1 }, { idempotent: true }), { id: 'a1' });
    assert.equal(calls.length, 3);
    const key = calls[0].headers['Idempotency-Key'];
    assert.deepEqual(calls.map((c) => c.headers['Idempotency-Key']), [key, key, key]);
    assert.deepEqual(waits, [200, 600]);
    await client.post('/api/v1/applications', { x: 2 }, { idempotent: true });
    assert.notEqual(calls[3].headers['Idempotency-Key'], key);
  });

  test('uuidv4 uses crypto.randomUUID when present and falls back to Math.random', () => {
    assert.equal(uuidv4({ randomUUID: () => 'from-crypto' }), 'from-crypto');
    const fallback = new Set(Array.from({ length: 200 }, () => uuidv4({})));
    assert.equal(fallback.size, 200);
    for (const id of fallback) assert.match(id, UUID_V4);
    assert.match(uuidv4(null), UUID_V4);
    assert.match(uuidv4(), UUID_V4);
  });
});

describe('retries', () => {
  test('GET retries a 503 and succeeds with a 200 ms backoff', async () => {
    const t = scripted(reply(503, { error: { code: 'exchange.unavailable', message: '系统繁忙' } }), reply(200, { ok: 1 }));
    const { client, calls, waits } = setup(t);
    assert.deepEqual(await client.get('/a'), { ok: 1 });
    assert.equal(calls.length, 2);
    assert.deepEqual(waits, [200]);
  });

  test('GET gives up after two retries (200 then 600 ms) with the last error', async () => {
    const t = scripted(reply(502, 'bad gateway'), reply(504, ''), apiError(503, 'exchange.unavailable', '身份核验系统繁忙，请稍后再试'));
    const { client, calls, waits } = setup(t);
    await assert.rejects(client.get('/a'), { status: 503, code: 'exchange.unavailable', message: '身份核验系统繁忙，请稍后再试' });
    assert.equal(calls.length, 3);
    assert.deepEqual(waits, [200, 600]);
  });

  test('GET retries network failures', async () => {
    const t = scripted(new Error('timeout'), reply(200, 'plain text'));
    const { client, waits } = setup(t);
    assert.equal(await client.get('/a'), 'plain text');
    assert.deepEqual(waits, [200]);
  });

  test('Retry-After up to 5 s replaces the backoff; the header name is case-insensitive', async () => {
    const t = scripted(apiError(503, 'exchange.unavailable', '繁忙', null, { 'retry-after': '3' }), reply(200, { ok: 1 }));
    const { client, waits } = setup(t);
    assert.deepEqual(await client.get('/a'), { ok: 1 });
    assert.deepEqual(waits, [3000]);
  });

  test('Retry-After longer than 5 s is not waited out: rejects at once with retryAfter', async () => {
    const t = scripted(apiError(503, 'exchange.unavailable', '身份核验系统繁忙，请稍后再试', null, { 'Retry-After': '30' }), reply(200, {}));
    const { client, calls, waits } = setup(t);
    await assert.rejects(client.get('/a'), { status: 503, retryAfter: 30 });
    assert.equal(calls.length, 1);
    assert.deepEqual(waits, []);
  });

  test('plain POST, PUT and DELETE are never retried', async () => {
    for (const send of [(c) => c.post('/a', {}), (c) => c.put('/a', {}), (c) => c.del('/a')]) {
      const t = scripted(reply(503, ''), reply(200, {}));
      const { client, calls, waits } = setup(t);
      await assert.rejects(send(client), { status: 503 });
      assert.equal(calls.length, 1);
      assert.deepEqual(waits, []);
    }
  });

  test('429 is not retried and carries retryAfter (fetch-style Headers too)', async () => {
    const headers = new Headers({ 'Retry-After': '60' });
    const t = scripted(apiError(429, 'sms.rate_limited', '短信发送过于频繁，请稍后再试', null, headers), reply(200, {}));
    const { client, calls, waits } = setup(t);
    await assert.rejects(client.get('/a'), {
      status: 429, code: 'sms.rate_limited', message: '短信发送过于频繁，请稍后再试', retryAfter: 60,
    });
    const t2 = scripted(apiError(429, 'rate', '请求过于频繁，请稍后再试', null, { 'Retry-After': '2' }));
    const s2 = setup(t2);
    await assert.rejects(s2.client.post('/b', {}, { idempotent: true }), { status: 429, retryAfter: 2 });
    assert.equal(calls.length + t2.calls.length, 2);
    assert.deepEqual([...waits, ...s2.waits], []);
  });

  test('parseRetryAfter reads seconds and HTTP dates', () => {
    const now = Date.parse('2024-05-01T00:00:00Z');
    assert.equal(parseRetryAfter('7', now), 7);
    assert.equal(parseRetryAfter('Wed, 01 May 2024 00:00:10 GMT', now), 10);
    assert.equal(parseRetryAfter('Tue, 30 Apr 2024 23:00:00 GMT', now), 0);
    assert.equal(parseRetryAfter(undefined, now), null);
    assert.equal(parseRetryAfter('soon', now), null);
  });
});

describe('login and setup', () => {
  test('login posts to the channel endpoint without a token and saves the answer', async () => {
    const answer = { access_token: 'a1', refresh_token: 'r1', token_type: 'Bearer', resident: { id: 'x', phone: '138****5678' } };
    const t = scripted(reply(200, answer));
    const { client, storage, calls } = setup(t);
    assert.deepEqual(await client.login({ code: 'wx-code' }), answer);
    assert.equal(calls[0].url, `${BASE}/api/v1/auth/wechat`);
    assert.deepEqual(calls[0].body, { code: 'wx-code' });
    assert.equal('Authorization' in calls[0].headers, false);
    assert.equal(storage.get('access_token'), 'a1');
    assert.equal(storage.get('refresh_token'), 'r1');
    assert.deepEqual(storage.get('resident'), answer.resident);
  });

  test('logout revokes the refresh token and clears storage even when the call fails', async () => {
    const t = scripted(new Error('offline'));
    const { client, storage, calls } = setup(t);
    await client.logout();
    assert.equal(calls[0].url, `${BASE}/api/v1/auth/logout`);
    assert.deepEqual(calls[0].body, { refresh_token: 'old-refresh' });
    assert.equal(storage.get('access_token'), null);
    assert.equal(storage.get('refresh_token'), null);
  });

  test('createClient rejects an unknown channel and a missing transport', () => {
    assert.throws(() => createClient({ request: async () => {}, storage: memoryStorage(), channel: 'douyin' }), TypeError);
    assert.throws(() => createClient({ storage: memoryStorage(), channel: 'app' }), TypeError);
    assert.equal(createClient({ request: async () => {}, storage: memoryStorage(), channel: 'alipay' }).channel, 'alipay');
  });
});

test('a page may pass its own Idempotency-Key and keep it across its own resends', async () => {
  const { request, calls } = scripted(reply(201, { ok: true }));
  const client = createClient({ baseUrl: '', request, storage: memoryStorage({ access_token: 'a' }), channel: 'app', sleep: async () => {} });
  await client.post('/api/v1/applications', { a: 1 }, { idempotent: 'key-1' });
  await client.post('/api/v1/applications', { a: 1 }, { idempotent: 'key-1' });
  assert.deepEqual(calls.map((c) => c.headers['Idempotency-Key']), ['key-1', 'key-1']);
});
