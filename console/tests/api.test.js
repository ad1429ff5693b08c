import test from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, EXPIRED_MESSAGE, NETWORK_MESSAGE, SESSION_KEY, createClient, withQuery } from '../js/api.js';

function memoryStorage() {
  const data = new Map();
  return { getItem: (k) => (data.has(k) ? data.get(k) : null), setItem: (k, v) => data.set(k, String(v)), removeItem: (k) => data.delete(k) };
}

function json(status, body, headers = {}) {
  return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });
}

// A fake server: `routes` maps "METHOD path" to a function(request) -> Response; calls are recorded.
function fakeFetch(routes) {
  const calls = [];
  const fetchFn = async (url, init) => {
    const call = { url, method: init.method, headers: init.headers, body: init.body ? JSON.parse(init.body) : undefined };
    calls.push(call);
    const handler = routes[`${init.method} ${url.split('?')[0]}`];
    if (!handler) return json(404, { error: { code: 'route.not_found', message: '接口不存在' } });
    return handler(call);
  };
  return { fetchFn, calls };
}

const tokens = (n) => ({ access_token: `access-${n}`, refresh_token: `refresh-${n}`, token_type: 'Bearer', expires_in: 900,
  staff: { username: 'operator', role: 'operator' } });

test('login stores the session and later requests carry the bearer token', async () => {
  const { fetchFn, calls } = fakeFetch({
    'POST /api/v1/auth/staff': () => json(200, tokens(1)),
    'GET /api/v1/admin/items': () => json(200, { items: [] }),
  });
  const storage = memoryStorage();
  const api = createClient({ fetchFn, storage });
  const session = await api.login('operator', 'Operator@2026');
  assert.equal(session.staff.role, 'operator');
  assert.deepEqual(calls[0].body, { username: 'operator', password: 'Operator@2026' });
  assert.equal(calls[0].headers.Authorization, undefined);
  assert.equal(JSON.parse(storage.getItem(SESSION_KEY)).refresh_token, 'refresh-1');
  const { data } = await api.get('/api/v1/admin/items');
  assert.deepEqual(data, { items: [] });
  assert.equal(calls[1].headers.Authorization, 'Bearer access-1');
});

test('a 401 refreshes once and replays the request with the new token', async () => {
  const { fetchFn, calls } = fakeFetch({
    'POST /api/v1/auth/staff/refresh': (c) => (c.body.refresh_token === 'refresh-1' ? json(200, tokens(2)) : json(401, { error: { code: 'auth.refresh_invalid', message: 'x' } })),
    'PUT /api/v1/admin/menus/app/draft': (c) => (c.headers.Authorization === 'Bearer access-2'
      ? json(200, { ok: c.body.sections.length })
      : json(401, { error: { code: 'auth.token_expired', message: '登录已过期，请刷新或重新登录' } })),
  });
  const storage = memoryStorage();
  storage.setItem(SESSION_KEY, JSON.stringify(tokens(1)));
  const api = createClient({ fetchFn, storage });
  const { data } = await api.put('/api/v1/admin/menus/app/draft', { sections: [1, 2] });
  assert.deepEqual(data, { ok: 2 });
  assert.deepEqual(calls.map((c) => c.method), ['PUT', 'POST', 'PUT']);
  assert.deepEqual(calls[2].body, { sections: [1, 2] }); // the same body replayed
  assert.equal(api.session().access_token, 'access-2');
  assert.equal(api.session().refresh_token, 'refresh-2');
});

test('concurrent 401s share one refresh (a refresh token works only once)', async () => {
  let refreshes = 0;
  const { fetchFn } = fakeFetch({
    'POST /api/v1/auth/staff/refresh': async () => {
      refreshes += 1;
      await new Promise((r) => setTimeout(r, 10));
      return json(200, tokens(2));
    },
    'GET /a': (c) => (c.headers.Authorization === 'Bearer access-2' ? json(200, { n: 'a' }) : json(401, { error: { code: 'auth.token_expired', message: 'x' } })),
    'GET /b': (c) => (c.headers.Authorization === 'Bearer access-2' ? json(200, { n: 'b' }) : json(401, { error: { code: 'auth.token_expired', message: 'x' } })),
  });
  const storage = memoryStorage();
  storage.setItem(SESSION_KEY, JSON.stringify(tokens(1)));
  const api = createClient({ fetchFn, storage });
  const [a, b] = await Promise.all([api.get('/a'), api.get('/b')]);
  assert.equal(a.data.n, 'a');
  assert.equal(b.data.n, 'b');
  assert.equal(refreshes, 1);
});

test('a refused refresh ends the session with a Chinese message', async () => {
  const ended = [];
  const { fetchFn } = fakeFetch({
    'POST /api/v1/auth/staff/refresh': () => json(401, { error: { code: 'auth.refresh_reused', message: '登录已失效' } }),
    'GET /api/v1/auth/staff/me': () => json(401, { error: { code: 'auth.token_expired', message: 'x' } }),
  });
  const storage = memoryStorage();
  storage.setItem(SESSION_KEY, JSON.stringify(tokens(1)));
  const api = createClient({ fetchFn, storage, onSessionEnd: (m) => ended.push(m) });
  await assert.rejects(api.get('/api/v1/auth/staff/me'), (err) => err.status === 401 && err.message === EXPIRED_MESSAGE);
  assert.deepEqual(ended, [EXPIRED_MESSAGE]);
  assert.equal(api.session(), null);
});

test('a wrong password is not retried with a refresh', async () => {
  const { fetchFn, calls } = fakeFetch({
    'POST /api/v1/auth/staff': () => json(401, { error: { code: 'auth.invalid_credentials', message: '用户名或密码错误' } }),
  });
  const api = createClient({ fetchFn, storage: memoryStorage() });
  await assert.rejects(api.login('operator', 'nope'), (err) => err instanceof ApiError && err.message === '用户名或密码错误'
    && err.code === 'auth.invalid_credentials');
  assert.equal(calls.length, 1);
});

test('errors keep the server code, message, details and Retry-After', async () => {
  const { fetchFn } = fakeFetch({
    'POST /api/v1/auth/staff': () => json(429, { error: { code: 'auth.locked', message: '登录失败次数过多，请 15 分钟后再试' } }, { 'Retry-After': '900' }),
    'POST /api/v1/admin/items': () => json(422, { error: { code: 'validation_failed', message: '提交的数据有误', details: { 'form[0].options': ['选择题至少需要两个选项'] } } }),
    'GET /html': () => new Response('<html>Bad Gateway</html>', { status: 502, headers: { 'Content-Type': 'text/html' } }),
  });
  const storage = memoryStorage();
  storage.setItem(SESSION_KEY, JSON.stringify(tokens(1)));
  const api = createClient({ fetchFn, storage });
  await assert.rejects(api.login('operator', 'x'), (err) => err.status === 429 && err.retryAfter === 900 && err.message.includes('15 分钟'));
  await assert.rejects(api.post('/api/v1/admin/items', {}), (err) => err.status === 422
    && err.details['form[0].options'][0] === '选择题至少需要两个选项');
  await assert.rejects(api.get('/html'), (err) => err.status === 502 && err.message === '服务器返回了错误（HTTP 502）');
});

test('a network failure is a Chinese message and keeps the session', async () => {
  const storage = memoryStorage();
  storage.setItem(SESSION_KEY, JSON.stringify(tokens(1)));
  const api = createClient({ fetchFn: async () => { throw new TypeError('Failed to fetch'); }, storage });
  await assert.rejects(api.get('/api/v1/admin/items'), (err) => err.status === 0 && err.message === NETWORK_MESSAGE);
  assert.equal(api.session().access_token, 'access-1');
});

test('logout revokes the refresh token and forgets the session', async () => {
  const { fetchFn, calls } = fakeFetch({ 'POST /api/v1/auth/staff/logout': () => new Response(null, { status: 204 }) });
  const storage = memoryStorage();
  storage.setItem(SESSION_KEY, JSON.stringify(tokens(3)));
  const api = createClient({ fetchFn, storage });
  await api.logout();
  assert.deepEqual(calls[0].body, { refresh_token: 'refresh-3' });
  assert.equal(api.session(), null);
});

test('withQuery leaves out empty values and encodes the rest', () => {
  assert.equal(withQuery('/x', { from: '2026-01-01T00:00:00+08:00', to: '', channel: null }), '/x?from=2026-01-01T00%3A00%3A00%2B08%3A00');
  assert.equal(withQuery('/x', {}), '/x');
});
