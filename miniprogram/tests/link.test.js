import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  approveMessage, expiresLine, incomingView, LINK_GONE_MESSAGE, linkChannelLabel, linkErrorKind, linkErrorMessage,
  linkPageUrl, linkPath, linksOf, linkStatus, mergeUndoPath, mergeView, outgoingNotice, proofOptions, residentOf,
  runFaceCheck, undoMessage, validSmsCode,
} from '../src/common/link.js';

const LINK = {
  id: '65f000000000000000000001',
  state: 'pending',
  channel: 'wechat',
  created_at: '2026-01-05T02:30:00+00:00',
  expires_at: '2026-01-06T02:30:00+00:00',
  proofs: ['sms', 'approval', 'face'],
  phone: '138****0001',
};

test('proofs in the order sms, face, approval; face only on the mini-program it was asked from', () => {
  const weixin = proofOptions(LINK, { channel: 'wechat', isMiniProgram: true });
  assert.deepEqual(weixin.map((o) => [o.order, o.method, o.title]), [
    ['方式一', 'sms', '短信验证码'],
    ['方式二', 'face', '微信人脸核身'],
    ['方式三', 'approval', '在已登录该账号的设备上批准'],
  ]);
  assert.equal(weixin[0].explain, '向该账号登记的手机号 138****0001 发送验证码，输入收到的6位验证码即可关联。');
  assert.match(weixin[2].explain, /“我的”页面，在“有新的登录方式申请关联您的账号”下点“批准”/);

  const alipay = proofOptions({ ...LINK, channel: 'alipay' }, { channel: 'alipay', isMiniProgram: true });
  assert.equal(alipay[1].title, '支付宝人脸核身');

  // h5 (the app channel) never offers face, even if a server listed it
  const h5 = proofOptions({ ...LINK, channel: 'app' }, { channel: 'app', isMiniProgram: false });
  assert.deepEqual(h5.map((o) => [o.order, o.method]), [['方式一', 'sms'], ['方式二', 'approval']]);
  // a request made on another channel: this mini-program cannot run its face check
  assert.deepEqual(proofOptions(LINK, { channel: 'alipay', isMiniProgram: true }).map((o) => o.method), ['sms', 'approval']);
});

test('no phone on the account: no SMS; nothing offered: nothing shown', () => {
  const options = proofOptions({ ...LINK, proofs: ['approval'], phone: null }, { channel: 'app', isMiniProgram: false });
  assert.deepEqual(options.map((o) => [o.order, o.method]), [['方式一', 'approval']]);
  assert.deepEqual(proofOptions(null, { channel: 'app' }), []);
  assert.match(proofOptions({ proofs: ['sms'], phone: null }, {})[0].explain, /向该账号登记的手机号发送验证码/);
});

test('where the request stands, from GET /me', () => {
  const unverified = { id: 'r2', realname: { status: 'unverified' } };
  assert.deepEqual(linkStatus({ ...unverified, links: { outgoing: [LINK] } }, LINK.id), { state: 'pending', link: LINK });
  // an id from an older page: the one still pending is shown
  assert.equal(linkStatus({ ...unverified, links: { outgoing: [LINK] } }, 'other').link, LINK);
  assert.equal(linkStatus({ ...unverified, links: { outgoing: [] } }, LINK.id).state, 'gone');
  assert.equal(linkStatus(unverified, LINK.id).state, 'gone'); // an older server: no links at all
  const approved = { id: 'r1', realname: { status: 'verified', name: '张*' }, links: { incoming: [], outgoing: [], merges: [] } };
  assert.deepEqual(linkStatus(approved, LINK.id), { state: 'joined', link: null });
  assert.deepEqual(residentOf(approved), { id: 'r1', realname: { status: 'verified', name: '张*' } });
  assert.equal(residentOf(null), null);
  assert.deepEqual(linksOf({ links: { incoming: null } }), { incoming: [], outgoing: [], merges: [] });
});

test('errors: gone when the request expired, was refused or cannot go on; recheck when decided meanwhile', () => {
  const err = (status, code, message) => ({ status, code, message });
  assert.equal(linkErrorKind(err(404, 'link.not_found', '关联申请不存在或已失效')), 'gone');
  assert.equal(linkErrorKind(err(409, 'link.source_changed', '发起关联的账号已变化，请重新发起')), 'gone');
  assert.equal(linkErrorKind(err(409, 'link.decided', '该关联申请已处理')), 'recheck');
  assert.equal(linkErrorKind(err(401, 'auth.otp_invalid', '验证码错误或已过期')), 'retry');
  assert.equal(linkErrorKind(err(422, 'link.face_failed', '人脸核身未通过，请确认是本人操作')), 'retry');
  assert.equal(linkErrorMessage(err(404, 'link.not_found', '关联申请不存在或已失效')), LINK_GONE_MESSAGE);
  assert.match(LINK_GONE_MESSAGE, /已过期.*拒绝.*重新提交实名信息/);
  assert.equal(linkErrorMessage(err(401, 'auth.otp_invalid', '验证码错误或已过期')), '验证码错误或已过期');
  assert.equal(linkErrorMessage(null), '操作失败，请稍后再试');
});

test('paths, page url, code check', () => {
  assert.equal(linkPath(LINK.id, 'confirm'), `/api/v1/me/links/${LINK.id}/confirm`);
  assert.equal(mergeUndoPath('m/1'), '/api/v1/me/merges/m%2F1/undo');
  assert.equal(linkPageUrl('abc'), '/pages/link/link?id=abc');
  assert.equal(linkPageUrl('abc', '/pages/apply/apply?code=SB0008'), '/pages/link/link?id=abc&redirect=pages%2Fapply%2Fapply%3Fcode%3DSB0008');
  assert.ok(validSmsCode('012345'));
  assert.ok(validSmsCode(' 012345 '));
  assert.ok(!validSmsCode('12345'));
  assert.ok(!validSmsCode('12345a'));
  assert.ok(!validSmsCode(undefined));
  assert.equal(expiresLine(LINK), '申请在 2026-01-06 10:30 前有效');
  assert.equal(expiresLine(null), '');
});

test('an incoming request: the channel in Chinese and the time in Beijing; 批准 warns', () => {
  assert.deepEqual(incomingView({ ...LINK, channel: 'alipay' }), {
    id: LINK.id,
    channel: 'alipay',
    channelLabel: '支付宝',
    from: '来自支付宝的登录',
    at: '申请时间 2026-01-05 10:30',
    expires: '申请在 2026-01-06 10:30 前有效',
  });
  assert.equal(linkChannelLabel('wechat'), '微信');
  assert.equal(linkChannelLabel('app'), '手机App或网页');
  assert.equal(linkChannelLabel('douyin'), 'douyin');
  const text = approveMessage({ channel: 'app' });
  assert.match(text, /手机App或网页的登录将能查看和办理您账号下的全部办件/);
  assert.match(text, /如果不是您本人刚刚发起的，请不要批准，点“拒绝”/);
});

test('merges: how they were proved, when, and undo only for those not undone', () => {
  const view = mergeView({ id: 'm1', at: '2026-01-05T02:30:00+00:00', via: 'sms', channels: ['alipay'], undone_at: null });
  assert.deepEqual(view, {
    id: 'm1', channels: ['alipay'], label: '支付宝', via: '短信验证码确认', at: '关联于 2026-01-05 10:30',
    undone: false, state: '已关联', canUndo: true,
  });
  const undone = mergeView({ id: 'm2', at: '2026-01-05T02:30:00Z', via: null, channels: ['wechat', 'app'], undone_at: '2026-01-06T00:00:00Z' });
  assert.equal(undone.label, '微信、手机App或网页');
  assert.equal(undone.via, '实名认证时自动关联');
  assert.equal(undone.state, '已撤销（2026-01-06 08:00）');
  assert.equal(undone.canUndo, false);
  assert.equal(mergeView({ id: 'm3', via: 'approval', channels: [] }).via, '您在已登录的设备上批准');
  assert.equal(mergeView({ id: 'm4', via: 'face', channels: [] }).label, '其他登录方式');

  assert.match(undoMessage(view, 'app'), /^撤销后，支付宝的登录将不能再查看和办理本账号的办件/);
  assert.doesNotMatch(undoMessage(view, 'app'), /重新登录/);
  assert.match(undoMessage(view, 'alipay'), /如果您现在正是用支付宝登录的，撤销后这里需要重新登录。确定撤销吗？$/);
});

test('my own pending request: a notice to continue it', () => {
  assert.equal(outgoingNotice({ links: { outgoing: [] } }), null);
  assert.equal(outgoingNotice(null), null);
  assert.deepEqual(outgoingNotice({ links: { outgoing: [LINK] } }), {
    id: LINK.id,
    title: '您有一个账号关联申请待确认',
    explain: '该身份证号已绑定其他账号。为保护账号安全，需要确认是您本人。申请在 2026-01-06 10:30 前有效。',
  });
});

test('face check on WeChat: requestFacialVerify with the verify id; either answer goes on to the server', async () => {
  const calls = [];
  const wx = { requestFacialVerify: (options) => { calls.push(options); options.success({ errMsg: 'ok' }); } };
  assert.deepEqual(await runFaceCheck('wechat', { verify_id: 'v1' }, wx), { started: true, passed: true, result: { errMsg: 'ok' } });
  assert.equal(calls[0].verifyId, 'v1');
  const failing = { requestFacialVerify: (options) => options.fail({ errCode: 90100 }) };
  assert.deepEqual(await runFaceCheck('wechat', { verify_id: 'v1' }, failing), { started: true, passed: false, result: { errCode: 90100 } });
});

test('face check on Alipay: startAPVerify with url and certify id', async () => {
  const calls = [];
  const my = { startAPVerify: (options) => { calls.push(options); options.success({ resultStatus: '9000' }); } };
  const run = await runFaceCheck('alipay', { certify_id: 'c1', url: 'https://example/verify' }, my);
  assert.equal(run.started, true);
  assert.equal(calls[0].certifyId, 'c1');
  assert.equal(calls[0].url, 'https://example/verify');
});

test('face check cannot run: an old base library, no platform, a throwing API, an empty client', async () => {
  assert.deepEqual(await runFaceCheck('wechat', { verify_id: 'v1' }, {}), {
    started: false, message: '当前微信版本不支持人脸核身，请升级微信后重试，或选择其他方式。',
  });
  assert.equal((await runFaceCheck('alipay', { certify_id: 'c1' }, null)).started, false);
  const throwing = { requestFacialVerify: () => { throw new Error('not supported'); } };
  assert.equal((await runFaceCheck('wechat', { verify_id: 'v1' }, throwing)).started, false);
  assert.equal((await runFaceCheck('wechat', {}, { requestFacialVerify: () => {} })).started, false);
  assert.match((await runFaceCheck('app', {}, {})).message, /当前应用版本不支持人脸核身/);
});
