import { test } from 'node:test';
import assert from 'node:assert/strict';

import { acceptedTemplates, requestSubscriptions, subscribeOptions } from '../src/common/subscribe.js';

const WX = [{ id: 'T1', kind: 'one-time' }, { id: 'T2', kind: 'long-term' }];

test('options per platform; h5/app and an empty list ask nothing', () => {
  assert.deepEqual(subscribeOptions('wechat', WX), { tmplIds: ['T1', 'T2'] });
  assert.deepEqual(subscribeOptions('alipay', WX), { entityIds: ['T1', 'T2'] });
  assert.equal(subscribeOptions('app', WX), null);
  assert.equal(subscribeOptions('wechat', []), null);
  const many = ['a', 'b', 'c', 'd'].map((id) => ({ id }));
  assert.deepEqual(subscribeOptions('wechat', many).tmplIds, ['a', 'b', 'c'], 'WeChat takes three per call');
});

test('accepted templates from each platform answer', () => {
  assert.deepEqual(acceptedTemplates('wechat', { T1: 'accept', T2: 'reject', errMsg: 'ok' }, WX), [{ template: 'T1', kind: 'one-time' }]);
  assert.deepEqual(acceptedTemplates('wechat', { T1: 'ban', T2: 'accept' }, WX), [{ template: 'T2', kind: 'long-term' }]);
  assert.deepEqual(acceptedTemplates('alipay', { behavior: 'subscribe', result: { subscribeEntityIds: ['T1', 'X'] } }, WX), [{ template: 'T1', kind: 'one-time' }]);
  assert.deepEqual(acceptedTemplates('alipay', { subscribeEntityIds: ['T2'] }, WX), [{ template: 'T2', kind: 'long-term' }]);
  assert.deepEqual(acceptedTemplates('wechat', null, WX), []);
});

function platform(answer) {
  const asked = [];
  const requestSubscribeMessage = (options) => {
    asked.push(options);
    if (answer instanceof Error) options.fail({ errMsg: answer.message });
    else options.success(answer);
  };
  return { asked, requestSubscribeMessage };
}

test('records what was accepted with the server', async () => {
  const { asked, requestSubscribeMessage } = platform({ T1: 'accept', T2: 'accept' });
  const posts = [];
  const outcome = await requestSubscriptions({ channel: 'wechat', templates: WX, requestSubscribeMessage, post: async (path, body) => { posts.push([path, body]); } });
  assert.deepEqual(asked.map((o) => o.tmplIds), [['T1', 'T2']]);
  assert.deepEqual(posts, [['/api/v1/me/subscriptions', { channel: 'wechat', accepted: [{ template: 'T1', kind: 'one-time' }, { template: 'T2', kind: 'long-term' }] }]]);
  assert.equal(outcome.error, null);
});

test('nothing accepted or a failed sheet posts nothing; a failed post is reported, never thrown', async () => {
  let posts = 0;
  const post = async () => { posts += 1; throw Object.assign(new Error('请求过于频繁，请稍后再试'), { status: 429 }); };
  assert.deepEqual(await requestSubscriptions({ channel: 'wechat', templates: WX, ...platform({ T1: 'reject' }), post }), { asked: true, accepted: [], error: null });
  assert.deepEqual(await requestSubscriptions({ channel: 'wechat', templates: WX, ...platform(new Error('requestSubscribeMessage:fail can only be invoked by user TAP gesture.')), post }), { asked: true, accepted: [], error: null });
  assert.equal(posts, 0);
  const outcome = await requestSubscriptions({ channel: 'alipay', templates: WX, ...platform({ result: { subscribeEntityIds: ['T1'] } }), post });
  assert.equal(outcome.error.message, '请求过于频繁，请稍后再试');
  assert.equal(posts, 1);
  assert.deepEqual(await requestSubscriptions({ channel: 'app', templates: WX, requestSubscribeMessage: () => assert.fail('h5 asks nothing'), post }), { asked: false, accepted: [], error: null });
  const missing = () => { throw new TypeError('my.requestSubscribeMessage is not a function'); };
  assert.deepEqual(await requestSubscriptions({ channel: 'alipay', templates: WX, requestSubscribeMessage: missing, post }), { asked: true, accepted: [], error: null });
});
