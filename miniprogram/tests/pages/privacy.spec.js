import { describe, expect, test, vi } from 'vitest';
import Consent from '../../src/pages/consent/consent.vue';
import Closure from '../../src/pages/closure/closure.vue';
import { answerPrivacy, listenForPrivacyAuthorization, usePrivacyRequest } from '../../src/wx-privacy.js';
import { apiError, callsTo, fakeModule, on, state, uniApi } from './fake-api.js';
import { mountPage, settle } from './helpers.js';

const TERMS = { kind: 'terms', version: 1, title: '用户服务协议', effective_at: '2026-01-01T00:00:00+00:00', changes: '',
  sections: [{ heading: '一、我们是谁', text: '本市政务服务数据管理部门' }] };
const PRIVACY = { kind: 'privacy', version: 2, title: '隐私政策', effective_at: '2026-06-01T00:00:00+00:00', changes: '增加人脸核验',
  sections: [{ heading: '六、您的权利', text: '查阅、复制、更正、删除' }] };

function documents(required) {
  on('GET', '/api/v1/legal/terms', TERMS);
  on('GET', '/api/v1/legal/privacy', PRIVACY);
  on('GET', '/api/v1/me', { consent_required: required, consents: {} });
}

describe('consent', () => {
  test('shows both texts and, when asked, agrees to the versions shown, never pre-agreed', async () => {
    documents([{ kind: 'terms', version: 1, title: '用户服务协议' }, { kind: 'privacy', version: 2, title: '隐私政策' }]);
    on('POST', '/api/v1/me/consents', { consents: {}, consent_required: [] });
    const wrapper = await mountPage(Consent);
    expect(wrapper.find('.consent-intro').text()).toContain('《用户服务协议》和《隐私政策》');
    expect(wrapper.findAll('.consent-doc').map((d) => d.find('.doc-title').text())).toEqual(['用户服务协议', '隐私政策']);
    expect(wrapper.text()).toContain('本次更新：增加人脸核验');
    expect(callsTo('POST', '/api/v1/me/consents')).toHaveLength(0);
    await wrapper.find('.consent-agree').trigger('click');
    await settle();
    expect(callsTo('POST', '/api/v1/me/consents')[0].body).toEqual({ kinds: ['terms', 'privacy'], versions: { terms: 1, privacy: 2 } });
  });

  test('disagreeing logs out and goes home', async () => {
    documents([{ kind: 'terms', version: 1, title: '用户服务协议' }]);
    const wrapper = await mountPage(Consent);
    await wrapper.find('.consent-disagree').trigger('click');
    await settle();
    expect(state.loggedIn).toBe(false);
    expect(callsTo('POST', '/api/v1/auth/logout')).toHaveLength(1);
    expect(uni.reLaunch).toHaveBeenCalledWith({ url: '/pages/index/index' });
  });

  test('only reading (already agreed, or logged out): no buttons', async () => {
    state.loggedIn = false;
    documents([]);
    const wrapper = await mountPage(Consent);
    expect(wrapper.findAll('.consent-doc')).toHaveLength(2);
    expect(wrapper.find('.consent-agree').exists()).toBe(false);
    expect(callsTo('GET', '/api/v1/me')).toHaveLength(0);
  });
});

describe('closure', () => {
  test('h5: the typed word and a fresh SMS code, then the login is forgotten', async () => {
    on('POST', '/api/v1/auth/app/otp', { sent: true });
    on('POST', '/api/v1/me/closure', { closed: true, erased: {} });
    const wrapper = await mountPage(Closure);
    expect(wrapper.find('.closure-explain').text()).toContain('办件是政务档案');
    await wrapper.find('.closure-submit').trigger('click');
    expect(wrapper.find('.closure-error').text()).toContain('注销');
    await wrapper.find('.closure-confirm').setValue('注销');
    await wrapper.find('.closure-phone').setValue('13800001111');
    await wrapper.find('.closure-code').trigger('click');
    await settle();
    expect(callsTo('POST', '/api/v1/auth/app/otp')[0].body).toEqual({ phone: '13800001111' });
    await wrapper.find('.closure-otp').setValue('123456');
    await wrapper.find('.closure-submit').trigger('click');
    await settle();
    expect(callsTo('POST', '/api/v1/me/closure')[0].body).toEqual(
      { confirm: '注销', proof: { phone: '13800001111', otp: '123456' } });
    expect(state.loggedIn).toBe(false);
    expect(uni.reLaunch).toHaveBeenCalledWith({ url: '/pages/index/index' });
  });

  test('a refused proof is said and nothing is forgotten', async () => {
    on('POST', '/api/v1/me/closure', apiError(403, 'closure.proof_mismatch', '验证的账号与当前登录的账号不一致'));
    const wrapper = await mountPage(Closure);
    await wrapper.find('.closure-confirm').setValue('注销');
    await wrapper.find('.closure-phone').setValue('13800001111');
    await wrapper.find('.closure-otp').setValue('123456');
    await wrapper.find('.closure-submit').trigger('click');
    await settle();
    expect(wrapper.find('.closure-error').text()).toBe('验证的账号与当前登录的账号不一致');
    expect(state.loggedIn).toBe(true);
  });
});

describe('closure on the mini-programs: a real-named account passes a face check first', () => {
  function refusedOnce(after) {
    let calls = 0;
    return () => (calls++ === 0 ? apiError(409, 'closure.face_required', '已实名的账号注销前需进行人脸核身') : after);
  }

  test('WeChat: the closure asks for the face check, it runs, and the closure goes again with a new login code', async () => {
    state.channel = 'wechat';
    let codes = 0;
    uniApi.login = vi.fn(({ success }) => success({ code: `wx-code-${++codes}` }));
    on('POST', '/api/v1/me/closure', refusedOnce({ closed: true, erased: {} }));
    on('POST', '/api/v1/me/closure/face', { client: { verify_id: 'v-9' }, expires_in: 600 });
    const wrapper = await mountPage(Closure);
    expect(wrapper.find('.closure-explain').exists()).toBe(true);
    await wrapper.find('.closure-confirm').setValue('注销');
    await wrapper.find('.closure-submit').trigger('click');
    await settle();
    expect(fakeModule.startFaceCheck).toHaveBeenCalledWith({ verify_id: 'v-9' });
    expect(callsTo('POST', '/api/v1/me/closure').map((c) => c.body.proof)).toEqual([{ code: 'wx-code-1' }, { code: 'wx-code-2' }]);
    expect(state.loggedIn).toBe(false);
  });

  test('a face check that did not pass is said, and the account stays', async () => {
    state.channel = 'alipay';
    uniApi.login = vi.fn(({ success }) => success({ authCode: 'ali-code' }));
    on('POST', '/api/v1/me/closure', refusedOnce(apiError(422, 'closure.face_failed', '人脸核身未通过，请确认是本人操作')));
    on('POST', '/api/v1/me/closure/face', { client: { certify_id: 'c-9', url: 'https://example/verify' }, expires_in: 600 });
    state.face = () => Promise.resolve({ started: true, passed: false, result: null });
    const wrapper = await mountPage(Closure);
    await wrapper.find('.closure-confirm').setValue('注销');
    await wrapper.find('.closure-submit').trigger('click');
    await settle();
    expect(wrapper.find('.closure-error').text()).toBe('人脸核身未通过，请确认是本人操作');
    expect(state.loggedIn).toBe(true);
  });

  test('a platform without the face API: said, and nothing is sent again', async () => {
    state.channel = 'wechat';
    uniApi.login = vi.fn(({ success }) => success({ code: 'wx-code' }));
    on('POST', '/api/v1/me/closure', refusedOnce({ closed: true, erased: {} }));
    on('POST', '/api/v1/me/closure/face', { client: { verify_id: 'v-9' }, expires_in: 600 });
    state.face = () => Promise.resolve({ started: false, message: '当前微信版本不支持人脸核身，请升级微信后重试，或选择其他方式。' });
    const wrapper = await mountPage(Closure);
    await wrapper.find('.closure-confirm').setValue('注销');
    await wrapper.find('.closure-submit').trigger('click');
    await settle();
    expect(wrapper.find('.closure-error').text()).toContain('不支持人脸核身');
    expect(callsTo('POST', '/api/v1/me/closure')).toHaveLength(1);
    expect(state.loggedIn).toBe(true);
  });
});

describe('WeChat privacy authorisation', () => {
  test('the pended API goes on after 同意 with the agree button\'s id, or fails after 不同意', () => {
    let listener = null;
    expect(listenForPrivacyAuthorization({ onNeedPrivacyAuthorization: (fn) => { listener = fn; } })).toBe(true);
    const resolve = vi.fn();
    listener(resolve, { referrer: 'chooseImage' });
    expect(usePrivacyRequest().value.referrer).toBe('chooseImage');
    expect(resolve).toHaveBeenCalledWith({ event: 'exposureAuthorization' });
    answerPrivacy(true);
    expect(resolve).toHaveBeenLastCalledWith({ buttonId: 'privacy-agree-btn', event: 'agree' });
    expect(usePrivacyRequest().value).toBe(null);
    listener(resolve, {});
    answerPrivacy(false);
    expect(resolve).toHaveBeenLastCalledWith({ event: 'disagree' });
    expect(listenForPrivacyAuthorization({})).toBe(false); // base library before 2.32.3
  });
});
