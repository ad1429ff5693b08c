import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  channelChoices, channelLabel, channelPath, channelRows, preferencesBody, preferencesOf, profileView, smsExplain,
  unlinkMessage,
} from '../src/common/me.js';

const VERIFIED = {
  id: 'r1',
  channels: [
    { channel: 'app', linked_at: '2026-01-05T02:30:00+00:00' },
    { channel: 'wechat', linked_at: '2026-01-06T17:00:00+00:00' },
  ],
  realname: { status: 'verified', name: '张*', id_number: '3301**********001X', verified_at: '2026-01-05T16:10:00+00:00' },
  phone: '137****1234',
};

test('a verified resident: masked name and 身份证号 as the server sent them, the day in Beijing time', () => {
  assert.deepEqual(profileView(VERIFIED), {
    verified: true, name: '张*', idNumber: '3301**********001X', verifiedAt: '认证于 2026-01-06', phone: '137****1234',
  });
});

test('an unverified resident without a phone', () => {
  assert.deepEqual(profileView({ channels: [], realname: { status: 'unverified' }, phone: null }), {
    verified: false, name: '', idNumber: '', verifiedAt: '', phone: '',
  });
  assert.equal(profileView(null).verified, false);
});

test('channel rows: every channel, linked ones with their day; the current and the last one cannot be unlinked', () => {
  const rows = channelRows(VERIFIED, 'app');
  assert.deepEqual(rows.map((r) => [r.channel, r.linked, r.current, r.canUnlink, r.since]), [
    ['wechat', true, false, true, '关联于 2026-01-07'],
    ['alipay', false, false, false, ''],
    ['app', true, true, false, '关联于 2026-01-05'],
  ]);
  assert.equal(rows[0].label, '微信小程序');

  const alone = channelRows({ channels: [{ channel: 'wechat', linked_at: '2026-01-06T00:00:00Z' }] }, 'alipay');
  assert.equal(alone.find((r) => r.channel === 'wechat').canUnlink, false); // the only one left
});

test('a channel the client does not know yet still shows, under its own name', () => {
  const rows = channelRows({ channels: [{ channel: 'app' }, { channel: 'douyin' }] }, 'app');
  assert.deepEqual(rows.map((r) => r.channel), ['wechat', 'alipay', 'app', 'douyin']);
  assert.equal(rows[3].label, 'douyin');
  assert.equal(rows[3].canUnlink, true);
  assert.equal(channelLabel('alipay'), '支付宝小程序');
});

test('paths and the unlink confirm', () => {
  assert.equal(channelPath('wechat'), '/api/v1/me/channels/wechat');
  assert.equal(channelPath('a/b'), '/api/v1/me/channels/a%2Fb');
  const text = unlinkMessage('wechat');
  assert.match(text, /不能再用微信小程序登录到本账号/);
  assert.match(text, /确定解除吗？$/);
});

test('preferences: defaults for what is missing or unknown', () => {
  assert.deepEqual(preferencesOf(null), { channel: null, sms: 'important' });
  assert.deepEqual(preferencesOf({ channel: 'alipay', sms: 'off' }), { channel: 'alipay', sms: 'off' });
  assert.deepEqual(preferencesOf({ channel: '', sms: 'sometimes' }), { channel: null, sms: 'important' });
});

test('the PUT body always carries both fields (the server resets omitted ones)', () => {
  const prefs = { channel: 'wechat', sms: 'important' };
  assert.deepEqual(preferencesBody(prefs, { sms: 'off' }), { channel: 'wechat', sms: 'off' });
  assert.deepEqual(preferencesBody(prefs, { channel: null }), { channel: null, sms: 'important' });
  assert.deepEqual(preferencesBody({}, {}), { channel: null, sms: 'important' });
});

test('channel choices: the default, then the linked push channels; a saved unlinked one stays visible', () => {
  const prefs = { channel: null, sms: 'important' };
  assert.deepEqual(channelChoices(VERIFIED, prefs), [
    { value: null, label: '从哪里办理就通知到哪里' },
    { value: 'wechat', label: '微信服务通知' },
    { value: 'app', label: '政务服务App推送' },
  ]);
  const stale = channelChoices({ channels: [{ channel: 'app' }] }, { channel: 'alipay' });
  assert.deepEqual(stale.map((c) => c.label), ['从哪里办理就通知到哪里', '政务服务App推送', '支付宝消息（未关联）']);
});

test('the SMS line names the masked phone, or says there is none', () => {
  assert.match(smsExplain({ phone: '137****1234' }), /发短信到 137\*\*\*\*1234。$/);
  assert.match(smsExplain({ phone: '' }), /您还没有留手机号，暂时收不到短信。$/);
});
