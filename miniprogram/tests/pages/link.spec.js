import { describe, expect, test } from 'vitest';
import Link from '../../src/pages/link/link.vue';
import Realname from '../../src/pages/realname/realname.vue';
import { apiError, callsTo, fakeModule, on, state } from './fake-api.js';
import { fire, mountPage, settle, texts } from './helpers.js';

const ME = '/api/v1/me';
const ID = '65f000000000000000000001';
const LINKS = `/api/v1/me/links/${ID}`;

const LINK = {
  id: ID,
  state: 'pending',
  channel: 'app',
  created_at: '2026-01-05T02:30:00+00:00',
  expires_at: '2026-01-06T02:30:00+00:00',
  proofs: ['sms', 'approval'],
  phone: '138****0001',
};
const MINE = { id: 'r2', channels: [{ channel: 'app' }], realname: { status: 'unverified' }, phone: '139****0002' };
const JOINED = {
  id: 'r1',
  channels: [{ channel: 'app' }, { channel: 'app' }],
  realname: { status: 'verified', name: '张*', id_number: '3301**********001X', verified_at: '2026-01-05T02:30:00+00:00' },
  phone: '138****0001',
};
const TOKENS = { access_token: 'new-access', refresh_token: 'new-refresh', token_type: 'Bearer', expires_in: 900, resident: JOINED, merged: true };

function pending(link = LINK) {
  on('GET', ME, { ...MINE, links: { incoming: [], outgoing: [link], merges: [] } });
}

async function typeCode(wrapper, code) {
  await wrapper.find('.sms-code').setValue(code);
}

describe('real name: the 身份证号 belongs to another account', () => {
  test('a 202 with a link goes to the link page, keeping where the resident was going', async () => {
    on('POST', '/api/v1/me/realname', { merged: false, link: LINK });
    // the 身份证号 notice agreed to before
    on('GET', ME, { ...MINE, consents: { id_number: { version: 1 } }, links: { incoming: [], outgoing: [], merges: [] } });
    on('GET', '/api/v1/legal', { versions: { terms: 1, privacy: 1, id_number: 1 } });
    on('GET', '/api/v1/legal/id_number', { kind: 'id_number', version: 1, title: '身份证号处理告知', sections: [] });
    const wrapper = await mountPage(Realname, { redirect: 'pages%2Fapply%2Fapply%3Fcode%3DSB0008' });
    await wrapper.find('.realname-name').setValue('张三');
    await wrapper.find('.realname-id').setValue('330106195508163314');
    await wrapper.find('.realname-submit').trigger('click');
    await settle();
    expect(uni.redirectTo).toHaveBeenCalledWith({ url: `/pages/link/link?id=${ID}&redirect=pages%2Fapply%2Fapply%3Fcode%3DSB0008` });
    expect(uni.showToast).not.toHaveBeenCalledWith(expect.objectContaining({ title: '实名认证成功' }));
    expect(state.stored.access_token).toBeUndefined(); // nothing of the other account
  });

  test('a pending request of this login is offered to continue', async () => {
    pending();
    const wrapper = await mountPage(Realname);
    expect(wrapper.find('.pending-title').text()).toBe('您有一个账号关联申请待确认');
    expect(wrapper.find('.pending-explain').text()).toContain('该身份证号已绑定其他账号');
    const button = wrapper.find('.pending-continue');
    expect(button.element.tagName).toBe('BUTTON');
    await button.trigger('click');
    expect(uni.redirectTo).toHaveBeenCalledWith({ url: `/pages/link/link?id=${ID}` });
  });

  test('no pending request, no notice', async () => {
    on('GET', ME, { ...MINE, links: { incoming: [], outgoing: [], merges: [] } });
    const wrapper = await mountPage(Realname);
    expect(wrapper.find('.pending-link').exists()).toBe(false);
  });
});

describe('link page on h5', () => {
  test('explains why, and offers the SMS code then approval; no face on h5', async () => {
    pending({ ...LINK, proofs: ['sms', 'approval', 'face'] });
    const wrapper = await mountPage(Link, { id: ID });
    expect(wrapper.find('.link-explain').text()).toBe('该身份证号已绑定其他账号。为保护账号安全，需要确认是您本人。');
    expect(wrapper.find('.link-expires').text()).toBe('申请在 2026-01-06 10:30 前有效。');
    expect(texts(wrapper, '.proof-order')).toEqual(['方式一', '方式二']);
    expect(texts(wrapper, '.proof-title')).toEqual(['短信验证码', '在已登录该账号的设备上批准']);
    expect(wrapper.find('.proof-sms .proof-explain').text()).toContain('138****0001');
    expect(wrapper.find('.proof-face').exists()).toBe(false);
    expect(wrapper.find('.face-start').exists()).toBe(false);
    for (const selector of ['.sms-send', '.sms-confirm', '.approval-check']) {
      expect(wrapper.find(selector).element.tagName).toBe('BUTTON');
    }
    expect(wrapper.find('.approval-check').text()).toBe('我已在其他设备上批准');
  });

  test('the SMS flow: send, a wrong code is said, the right one saves the new tokens and shows the account', async () => {
    pending();
    on('POST', `${LINKS}/code`, { sent: true, phone: '138****0001', expires_in: 300 });
    on('POST', `${LINKS}/confirm`, (call) => (call.body.code === '123456' ? TOKENS : apiError(401, 'auth.otp_invalid', '验证码错误或已过期')));
    const wrapper = await mountPage(Link, { id: ID });
    await wrapper.find('.sms-send').trigger('click');
    await settle();
    expect(callsTo('POST', `${LINKS}/code`)).toHaveLength(1);
    expect(wrapper.find('.sms-sent').text()).toBe('验证码已发送到 138****0001，5分钟内有效。');
    expect(wrapper.find('.sms-send').text()).toMatch(/^\d+秒后可重新获取$/);

    await typeCode(wrapper, '12345');
    await wrapper.find('.sms-confirm').trigger('click');
    await settle();
    expect(wrapper.find('.sms-error').text()).toBe('请输入6位数字验证码');
    expect(callsTo('POST', `${LINKS}/confirm`)).toHaveLength(0);

    await typeCode(wrapper, '654321'); // no leading zero: here <input type=number> is a native input, whose v-model Vue casts to a number
    await wrapper.find('.sms-confirm').trigger('click');
    await settle();
    expect(wrapper.find('.sms-error').text()).toBe('验证码错误或已过期');
    expect(state.stored.access_token).toBeUndefined();

    await typeCode(wrapper, '123456');
    await wrapper.find('.sms-confirm').trigger('click');
    await settle();
    expect(callsTo('POST', `${LINKS}/confirm`).at(-1).body).toEqual({ method: 'sms', code: '123456' });
    expect(state.stored).toMatchObject({ access_token: 'new-access', refresh_token: 'new-refresh', resident: JOINED });
    expect(wrapper.find('.link-joined').text()).toContain('关联成功');
    expect(wrapper.find('.link-joined-name').text()).toBe('账号实名：张*（已实名）');
    await wrapper.find('.link-done').trigger('click');
    expect(uni.navigateBack).toHaveBeenCalled();
  });

  test('after joining it goes on to where the resident was going', async () => {
    pending();
    on('POST', `${LINKS}/confirm`, TOKENS);
    const wrapper = await mountPage(Link, { id: ID, redirect: 'pages%2Fapply%2Fapply%3Fcode%3DSB0008' });
    await typeCode(wrapper, '123456');
    await wrapper.find('.sms-confirm').trigger('click');
    await settle();
    await wrapper.find('.link-done').trigger('click');
    expect(uni.redirectTo.mock.calls[0][0].url).toBe('/pages/apply/apply?code=SB0008');
  });

  test('sending too soon: the message and a countdown from Retry-After', async () => {
    pending();
    on('POST', `${LINKS}/code`, Object.assign(apiError(429, 'otp.too_soon', '验证码发送过于频繁，请稍后再试'), { retryAfter: 42 }));
    const wrapper = await mountPage(Link, { id: ID });
    await wrapper.find('.sms-send').trigger('click');
    await settle();
    expect(wrapper.find('.sms-error').text()).toBe('验证码发送过于频繁，请稍后再试');
    expect(wrapper.find('.sms-send').text()).toBe('42秒后可重新获取');
  });

  test('an expired or refused request (404) says so and offers to start again', async () => {
    pending();
    on('POST', `${LINKS}/confirm`, apiError(404, 'link.not_found', '关联申请不存在或已失效'));
    const wrapper = await mountPage(Link, { id: ID, redirect: 'pages%2Fquery%2Fquery%3Fcode%3DSB0001' });
    await typeCode(wrapper, '123456');
    await wrapper.find('.sms-confirm').trigger('click');
    await settle();
    expect(wrapper.find('.proof').exists()).toBe(false);
    expect(wrapper.find('.link-gone-text').text()).toContain('已过期（24小时内有效）或已被该账号拒绝');
    await wrapper.find('.link-restart').trigger('click');
    expect(uni.redirectTo).toHaveBeenCalledWith({ url: '/pages/realname/realname?redirect=pages%2Fquery%2Fquery%3Fcode%3DSB0001' });
  });

  test('nothing pending and not verified on arrival: gone', async () => {
    on('GET', ME, { ...MINE, links: { incoming: [], outgoing: [], merges: [] } });
    const wrapper = await mountPage(Link, { id: ID });
    expect(wrapper.find('.link-gone').exists()).toBe(true);
  });

  test('approval: not yet is said plainly; once approved the same token is the account', async () => {
    pending();
    const wrapper = await mountPage(Link, { id: ID });
    await wrapper.find('.approval-check').trigger('click');
    await settle();
    expect(wrapper.find('.approval-note').text()).toBe('还没有收到批准。请在已登录该账号的设备上点“批准”后，再点这个按钮。');
    on('GET', ME, { ...JOINED, links: { incoming: [], outgoing: [], merges: [] } });
    await wrapper.find('.approval-check').trigger('click');
    await settle();
    expect(wrapper.find('.link-joined').exists()).toBe(true);
    expect(state.stored.resident).toEqual(JOINED); // without `links`
    expect(state.stored.access_token).toBeUndefined(); // no new tokens: the old one speaks for the account
  });

  test('coming back after approving on another device finds the account joined', async () => {
    pending();
    const wrapper = await mountPage(Link, { id: ID });
    on('GET', ME, { ...JOINED, links: { incoming: [], outgoing: [], merges: [] } });
    await fire(wrapper, 'onShow');
    expect(wrapper.find('.link-joined').exists()).toBe(true);
  });

  test('a failed load shows the message and retries', async () => {
    on('GET', ME, apiError(503, 'service.unavailable', '服务暂时不可用，请稍后再试'));
    const wrapper = await mountPage(Link, { id: ID });
    expect(wrapper.find('.link-load-error').text()).toBe('服务暂时不可用，请稍后再试');
    pending();
    await wrapper.find('.link-reload').trigger('click');
    await settle();
    expect(wrapper.find('.proof-sms').exists()).toBe(true);
  });

  test('without a login it asks for one', async () => {
    state.loggedIn = false;
    await mountPage(Link, { id: ID });
    expect(fakeModule.goLogin).toHaveBeenCalled();
    expect(state.calls).toHaveLength(0);
  });
});

describe('link page on the mini-programs: face', () => {
  const FACE_LINK = { ...LINK, channel: 'wechat', proofs: ['sms', 'approval', 'face'] };

  test('WeChat offers sms, face, approval in that order; face runs the check and confirms', async () => {
    state.channel = 'wechat';
    pending(FACE_LINK);
    on('POST', `${LINKS}/face`, { client: { verify_id: 'v-1' }, expires_in: 600 });
    on('POST', `${LINKS}/confirm`, TOKENS);
    const wrapper = await mountPage(Link, { id: ID });
    expect(texts(wrapper, '.proof-title')).toEqual(['短信验证码', '微信人脸核身', '在已登录该账号的设备上批准']);
    expect(wrapper.find('.face-start').text()).toBe('开始人脸核身');
    await wrapper.find('.face-start').trigger('click');
    await settle();
    expect(fakeModule.startFaceCheck).toHaveBeenCalledWith({ verify_id: 'v-1' });
    expect(callsTo('POST', `${LINKS}/confirm`)[0].body).toEqual({ method: 'face' });
    expect(state.stored.access_token).toBe('new-access');
    expect(wrapper.find('.link-joined').exists()).toBe(true);
  });

  test('a failed face check shows the message and offers to try again', async () => {
    state.channel = 'alipay';
    pending({ ...FACE_LINK, channel: 'alipay' });
    on('POST', `${LINKS}/face`, { client: { certify_id: 'c-1', url: 'https://example/verify' }, expires_in: 600 });
    on('POST', `${LINKS}/confirm`, apiError(422, 'link.face_failed', '人脸核身未通过，请确认是本人操作'));
    state.face = () => Promise.resolve({ started: true, passed: false, result: null });
    const wrapper = await mountPage(Link, { id: ID });
    expect(wrapper.find('.proof-face .proof-title').text()).toBe('支付宝人脸核身');
    await wrapper.find('.face-start').trigger('click');
    await settle();
    expect(wrapper.find('.face-error').text()).toBe('人脸核身未通过，请确认是本人操作');
    expect(wrapper.find('.face-start').text()).toBe('重新人脸核身');
    expect(wrapper.find('.face-recheck').exists()).toBe(false);
    expect(state.stored.access_token).toBeUndefined();
  });

  test('not finished yet (409): the message and a button to confirm again without a new check', async () => {
    state.channel = 'wechat';
    pending(FACE_LINK);
    on('POST', `${LINKS}/face`, { client: { verify_id: 'v-1' }, expires_in: 600 });
    on('POST', `${LINKS}/confirm`, apiError(409, 'link.face_pending', '人脸核身尚未完成'));
    const wrapper = await mountPage(Link, { id: ID });
    await wrapper.find('.face-start').trigger('click');
    await settle();
    expect(wrapper.find('.face-error').text()).toBe('人脸核身尚未完成');
    on('POST', `${LINKS}/confirm`, TOKENS);
    await wrapper.find('.face-recheck').trigger('click');
    await settle();
    expect(callsTo('POST', `${LINKS}/face`)).toHaveLength(1);
    expect(wrapper.find('.link-joined').exists()).toBe(true);
  });

  test('an old WeChat without the face API: said, and nothing is confirmed', async () => {
    state.channel = 'wechat';
    pending(FACE_LINK);
    on('POST', `${LINKS}/face`, { client: { verify_id: 'v-1' }, expires_in: 600 });
    state.face = () => Promise.resolve({ started: false, message: '当前微信版本不支持人脸核身，请升级微信后重试，或选择其他方式。' });
    const wrapper = await mountPage(Link, { id: ID });
    await wrapper.find('.face-start').trigger('click');
    await settle();
    expect(wrapper.find('.face-error').text()).toContain('当前微信版本不支持人脸核身');
    expect(callsTo('POST', `${LINKS}/confirm`)).toHaveLength(0);
  });
});
