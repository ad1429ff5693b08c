import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  channelForPlatform,
  createUniRequest,
  createUniStorage,
  resolveBaseUrl,
  loginCode,
  eventValue,
} from '../src/common/uni-adapter.js';
import { createClient } from '../src/common/http.js';
import { isLoggedIn, getResident } from '../src/common/session.js';

// A stand-in for the `uni` global: request answers from a handler, storage is a Map.
function fakeUni(handler = () => ({ statusCode: 200, header: {}, data: '{}' })) {
  const store = new Map();
  const requests = [];
  return {
    requests,
    store,
    request(options) {
      requests.push(options);
      Promise.resolve().then(() => {
        const out = handler(options);
        if (out instanceof Error) options.fail({ errMsg: out.message });
        else options.success(out);
      });
    },
    getStorageSync: (key) => (store.has(key) ? store.get(key) : ''),
    setStorageSync: (key, value) => { store.set(key, value); },
    removeStorageSync: (key) => { store.delete(key); },
    login(options) {
      Promise.resolve().then(() => {
        if (options.provider === 'weixin') options.success({ code: 'wx-code' });
        else if (options.provider === 'alipay') options.success({ authCode: 'ali-code' });
        else options.fail({ errMsg: 'login:fail provider' });
      });
    },
  };
}

test('channelForPlatform maps uniPlatform to the API channel', () => {
  assert.equal(channelForPlatform('mp-weixin'), 'wechat');
  assert.equal(channelForPlatform('mp-alipay'), 'alipay');
  assert.equal(channelForPlatform('web'), 'app');
  assert.equal(channelForPlatform('h5'), 'app');
  assert.equal(channelForPlatform(undefined), 'app');
});

test('resolveBaseUrl: configured wins, else relative for h5 and loopback for mini-programs', () => {
  assert.equal(resolveBaseUrl('https://gov.example.cn/', true), 'https://gov.example.cn');
  assert.equal(resolveBaseUrl('', false), '');
  assert.equal(resolveBaseUrl(undefined, true), 'http://127.0.0.1:8000');
});

test('createUniRequest maps header/statusCode to the client transport shape', async () => {
  const uni = fakeUni(() => ({ statusCode: 201, header: { 'Retry-After': '3' }, data: '{"ok":true}' }));
  const request = createUniRequest(uni);
  const res = await request({ url: '/x', method: 'POST', headers: { A: '1' }, data: '{"a":1}' });
  assert.deepEqual(res, { status: 201, headers: { 'Retry-After': '3' }, data: '{"ok":true}' });
  assert.equal(uni.requests[0].header.A, '1');
  assert.equal(uni.requests[0].data, '{"a":1}');
  assert.equal(uni.requests[0].method, 'POST');
});

test('createUniRequest rejects on fail (no HTTP answer)', async () => {
  const request = createUniRequest(fakeUni(() => new Error('request:fail timeout')));
  await assert.rejects(request({ url: '/x', method: 'GET', headers: {} }), /request:fail timeout/);
});

test('createUniStorage reports a missing key as null and round-trips objects', () => {
  const uni = fakeUni();
  const storage = createUniStorage(uni);
  assert.equal(storage.get('resident'), null);
  storage.set('resident', { id: 'r1' });
  assert.deepEqual(storage.get('resident'), { id: 'r1' });
  storage.remove('resident');
  assert.equal(storage.get('resident'), null);
});

test('the shared client logs in through the uni adapter and sends the bearer token', async () => {
  const uni = fakeUni((options) => {
    if (options.url.endsWith('/api/v1/auth/wechat')) {
      return { statusCode: 200, header: {}, data: JSON.stringify({ access_token: 'a1', refresh_token: 'r'.repeat(24), resident: { id: 'r1' } }) };
    }
    return { statusCode: 200, header: {}, data: JSON.stringify({ unread: 0, messages: [] }) };
  });
  const storage = createUniStorage(uni);
  const client = createClient({ baseUrl: 'http://127.0.0.1:8000', request: createUniRequest(uni), storage, channel: 'wechat' });
  assert.equal(isLoggedIn(storage), false);
  assert.equal(getResident(storage), null);
  await client.login({ code: await loginCode(uni, 'weixin') });
  assert.equal(JSON.parse(uni.requests[0].data).code, 'wx-code');
  assert.equal(isLoggedIn(storage), true);
  assert.deepEqual(await client.get('/api/v1/me/inbox'), { unread: 0, messages: [] });
  assert.equal(uni.requests[1].url, 'http://127.0.0.1:8000/api/v1/me/inbox');
  assert.equal(uni.requests[1].header.Authorization, 'Bearer a1');
});

test('loginCode resolves the alipay authCode and rejects a failed login', async () => {
  const uni = fakeUni();
  assert.equal(await loginCode(uni, 'alipay'), 'ali-code');
  await assert.rejects(loginCode(uni, 'qq'), /login:fail/);
});

test('eventValue reads uni events and plain DOM events', () => {
  assert.equal(eventValue({ detail: { value: '浙A12345' }, target: { value: 'ignored' } }), '浙A12345');
  assert.equal(eventValue({ detail: {}, target: { value: 'dom' } }), 'dom');
  assert.equal(eventValue({ detail: { value: '' } }), '');
  assert.equal(eventValue(undefined), '');
});
