import { describe, expect, test } from 'vitest';
import { mount } from '@vue/test-utils';
import Me from '../../src/pages/me/me.vue';
import Index from '../../src/pages/index/index.vue';
import { api, apiError, callsTo, fakeModule, on, state } from './fake-api.js';
import { fire, mountPage, settle, texts } from './helpers.js';

const ME = '/api/v1/me';
const PREFS = '/api/v1/me/notification-preferences';

const VERIFIED = {
  id: 'r1',
  channels: [
    { channel: 'app', linked_at: '2026-01-05T02:30:00+00:00' },
    { channel: 'wechat', linked_at: '2026-01-06T03:00:00+00:00' },
  ],
  realname: { status: 'verified', name: '张*', id_number: '3301**********001X', verified_at: '2026-01-06T03:00:00+00:00' },
  phone: '137****1234',
  created_at: '2026-01-05T02:30:00+00:00',
};
const UNVERIFIED = {
  id: 'r2',
  channels: [{ channel: 'app', linked_at: '2026-01-05T02:30:00+00:00' }],
  realname: { status: 'unverified' },
  phone: '137****5678',
  created_at: '2026-01-05T02:30:00+00:00',
};

function routes(me = VERIFIED, prefs = { channel: null, sms: 'important' }) {
  on('GET', ME, me);
  on('GET', PREFS, prefs);
}

const choice = (wrapper, value) => wrapper.find(`.pref-choice[data-value="${value}"]`);

describe('我的: who I am', () => {
  test('a verified resident sees the masked name, 身份证号 and phone, no 去实名认证', async () => {
    routes();
    const wrapper = await mountPage(Me);
    expect(wrapper.find('.profile-name').text()).toBe('张*');
    expect(wrapper.find('.realname-tag').text()).toBe('已实名');
    expect(wrapper.find('.profile-id').text()).toBe('身份证号3301**********001X');
    expect(wrapper.find('.profile-phone .profile-value').text()).toBe('137****1234');
    expect(wrapper.find('.profile-verified-at').text()).toBe('认证于 2026-01-06');
    expect(wrapper.find('.realname-go').exists()).toBe(false);
    expect(wrapper.text()).not.toContain('3301198003');
  });

  test('an unverified resident sees 未实名 and a button to the real-name page', async () => {
    routes(UNVERIFIED);
    const wrapper = await mountPage(Me);
    expect(wrapper.find('.realname-tag').text()).toBe('未实名');
    expect(wrapper.find('.profile-id').exists()).toBe(false);
    expect(wrapper.find('.profile-phone .profile-value').text()).toBe('137****5678');
    await wrapper.find('.realname-go').trigger('click');
    expect(uni.navigateTo).toHaveBeenCalledWith({ url: '/pages/realname/realname' });
  });

  test('no phone, no phone line; the SMS explanation says so', async () => {
    routes({ ...UNVERIFIED, phone: null });
    const wrapper = await mountPage(Me);
    expect(wrapper.find('.profile-phone').exists()).toBe(false);
    expect(wrapper.find('.sms-explain').text()).toContain('您还没有留手机号，暂时收不到短信');
  });

  test('coming back (e.g. from the real-name page) reads the resident again', async () => {
    routes(UNVERIFIED);
    const wrapper = await mountPage(Me);
    routes(VERIFIED);
    await fire(wrapper, 'onShow');
    expect(callsTo('GET', ME)).toHaveLength(2);
    expect(wrapper.find('.realname-tag').text()).toBe('已实名');
  });

  test('while loading it says so', async () => {
    let answer;
    on('GET', ME, () => new Promise((resolve) => { answer = resolve; }));
    on('GET', PREFS, { channel: null, sms: 'important' });
    const wrapper = mount(Me, { attachTo: document.body });
    const shown = fire(wrapper, 'onShow');
    await settle();
    expect(wrapper.find('.me-loading').text()).toBe('加载中…');
    expect(wrapper.find('.profile-card').exists()).toBe(false);
    answer(VERIFIED);
    await shown;
    expect(wrapper.find('.me-loading').exists()).toBe(false);
    expect(wrapper.find('.profile-name').text()).toBe('张*');
  });

  test('a failed load shows the server message and retries; logging out stays possible', async () => {
    routes();
    on('GET', ME, apiError(503, 'service.unavailable', '服务暂时不可用，请稍后再试'));
    const wrapper = await mountPage(Me);
    expect(wrapper.find('.me-error').text()).toBe('服务暂时不可用，请稍后再试');
    expect(wrapper.find('.profile-card').exists()).toBe(false);
    expect(wrapper.find('.logout-btn').exists()).toBe(true);
    routes();
    await wrapper.find('.me-retry').trigger('click');
    await settle();
    expect(wrapper.find('.me-error').exists()).toBe(false);
    expect(wrapper.find('.profile-name').text()).toBe('张*');
  });

  test('without a login it asks to log in and loads nothing', async () => {
    state.loggedIn = false;
    const wrapper = await mountPage(Me);
    expect(wrapper.text()).toContain('登录后查看我的信息');
    expect(wrapper.find('.logout-btn').exists()).toBe(false);
    expect(state.calls).toHaveLength(0);
    await wrapper.find('.btn').trigger('click');
    expect(fakeModule.goLogin).toHaveBeenCalled();
  });
});

describe('我的: linked channels', () => {
  test('every channel with its state; only another linked channel offers 解除关联', async () => {
    routes();
    const wrapper = await mountPage(Me); // logged in on the app channel
    expect(texts(wrapper, '.channel-label')).toEqual(['微信小程序', '支付宝小程序', '政务服务App / 网页（手机号）']);
    expect(texts(wrapper, '.channel-state')).toEqual(['已关联 · 关联于 2026-01-06', '未关联', '当前登录 · 关联于 2026-01-05']);
    expect(wrapper.findAll('.channel-unlink')).toHaveLength(1);
    expect(wrapper.find('[data-channel="wechat"] .channel-unlink').exists()).toBe(true);
  });

  test('logged in on WeChat, the app channel is the one that may be unlinked', async () => {
    state.channel = 'wechat';
    routes();
    const wrapper = await mountPage(Me);
    expect(wrapper.find('[data-channel="wechat"] .channel-state').text()).toContain('当前登录');
    expect(wrapper.find('[data-channel="wechat"] .channel-unlink').exists()).toBe(false);
    expect(wrapper.find('[data-channel="app"] .channel-unlink').exists()).toBe(true);
  });

  test('a single channel cannot be unlinked at all', async () => {
    routes(UNVERIFIED);
    const wrapper = await mountPage(Me);
    expect(wrapper.findAll('.channel-unlink')).toHaveLength(0);
  });

  test('unlinking asks first, sends DELETE and shows the resident the server returns', async () => {
    routes();
    on('DELETE', `${ME}/channels/wechat`, { ...VERIFIED, channels: VERIFIED.channels.slice(0, 1) });
    const wrapper = await mountPage(Me);
    await wrapper.find('[data-channel="wechat"] .channel-unlink').trigger('click');
    await settle();
    const modal = uni.showModal.mock.calls[0][0];
    expect(modal.title).toBe('解除关联微信小程序');
    expect(modal.content).toContain('不能再用微信小程序登录到本账号');
    expect(callsTo('DELETE', `${ME}/channels/wechat`)).toHaveLength(1);
    expect(wrapper.find('[data-channel="wechat"] .channel-state').text()).toBe('未关联');
    expect(wrapper.findAll('.channel-unlink')).toHaveLength(0);
    expect(uni.showToast).toHaveBeenCalledWith({ title: '已解除关联', icon: 'none' });
  });

  test('a cancelled unlink sends nothing', async () => {
    routes();
    state.modalConfirm = false;
    const wrapper = await mountPage(Me);
    await wrapper.find('[data-channel="wechat"] .channel-unlink').trigger('click');
    await settle();
    expect(callsTo('DELETE', /channels/)).toHaveLength(0);
    expect(wrapper.find('[data-channel="wechat"] .channel-state').text()).toContain('已关联');
  });

  test('a refusal shows the server message and keeps the row', async () => {
    routes();
    on('DELETE', `${ME}/channels/wechat`, apiError(409, 'channel.last', '不能解绑唯一的登录方式'));
    const wrapper = await mountPage(Me);
    await wrapper.find('[data-channel="wechat"] .channel-unlink').trigger('click');
    await settle();
    expect(uni.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '不能解绑唯一的登录方式' }));
    expect(wrapper.find('[data-channel="wechat"] .channel-state').text()).toContain('已关联');
    expect(wrapper.find('[data-channel="wechat"] .channel-unlink').exists()).toBe(true);
  });

  test('a channel already unlinked elsewhere (404) shows the message and leaves the list', async () => {
    routes();
    on('DELETE', `${ME}/channels/wechat`, apiError(404, 'channel.not_linked', '未绑定该渠道'));
    const wrapper = await mountPage(Me);
    await wrapper.find('[data-channel="wechat"] .channel-unlink').trigger('click');
    await settle();
    expect(uni.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '未绑定该渠道' }));
    expect(wrapper.find('[data-channel="wechat"] .channel-state').text()).toBe('未关联');
  });
});

describe('我的: notification preferences', () => {
  test('the preferred channel offers the default and the linked push channels; the SMS switch shows its state', async () => {
    routes(VERIFIED, { channel: 'wechat', sms: 'important' });
    const wrapper = await mountPage(Me);
    expect(texts(wrapper, '.pref-label')).toEqual(['从哪里办理就通知到哪里', '微信服务通知', '政务服务App推送']);
    expect(choice(wrapper, 'wechat').attributes('aria-checked')).toBe('true');
    expect(choice(wrapper, 'default').attributes('aria-checked')).toBe('false');
    expect(wrapper.find('.pref-explain').text()).toBe('站内消息（我的消息）总会收到，这里选择另外先通过哪里提醒您。');
    expect(wrapper.find('.sms-state').text()).toBe('已开启');
    expect(wrapper.find('.sms-switch').classes()).toContain('switch-on');
    expect(wrapper.find('.sms-row').attributes('aria-checked')).toBe('true');
    expect(wrapper.find('.sms-explain').text()).toContain('发短信到 137****1234');
  });

  test('choosing a channel saves it at once with the whole body', async () => {
    routes(VERIFIED, { channel: null, sms: 'off' });
    on('PUT', PREFS, (call) => call.body);
    const wrapper = await mountPage(Me);
    await choice(wrapper, 'app').trigger('click');
    await settle();
    expect(callsTo('PUT', PREFS).map((c) => c.body)).toEqual([{ channel: 'app', sms: 'off' }]);
    expect(choice(wrapper, 'app').attributes('aria-checked')).toBe('true');
    expect(wrapper.find('.sms-state').text()).toBe('已关闭');
    expect(uni.showToast).toHaveBeenCalledWith({ title: '已保存', icon: 'none' });
    // the chosen one again: nothing sent
    await choice(wrapper, 'app').trigger('click');
    await settle();
    expect(callsTo('PUT', PREFS)).toHaveLength(1);
  });

  test('switching SMS off sends {sms: "off"} and keeps the channel', async () => {
    routes(VERIFIED, { channel: 'wechat', sms: 'important' });
    on('PUT', PREFS, (call) => call.body);
    const wrapper = await mountPage(Me);
    await wrapper.find('.sms-row').trigger('click');
    await settle();
    expect(callsTo('PUT', PREFS).map((c) => c.body)).toEqual([{ channel: 'wechat', sms: 'off' }]);
    expect(wrapper.find('.sms-state').text()).toBe('已关闭');
    expect(wrapper.find('.sms-switch').classes()).not.toContain('switch-on');
  });

  test('a failed save puts the previous value back and shows the server message', async () => {
    routes(VERIFIED, { channel: 'wechat', sms: 'important' });
    on('PUT', PREFS, apiError(422, 'validation', '请求参数有误'));
    const wrapper = await mountPage(Me);
    await wrapper.find('.sms-row').trigger('click');
    await settle();
    expect(uni.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '请求参数有误' }));
    expect(wrapper.find('.sms-state').text()).toBe('已开启');
    expect(wrapper.find('.sms-switch').classes()).toContain('switch-on');

    await choice(wrapper, 'default').trigger('click');
    await settle();
    expect(choice(wrapper, 'wechat').attributes('aria-checked')).toBe('true');
    expect(choice(wrapper, 'default').attributes('aria-checked')).toBe('false');
  });

  test('while saving, the switch shows the new value; a second tap waits', async () => {
    routes(VERIFIED, { channel: null, sms: 'important' });
    let answer;
    on('PUT', PREFS, () => new Promise((resolve) => { answer = resolve; }));
    const wrapper = await mountPage(Me);
    await wrapper.find('.sms-row').trigger('click');
    await settle();
    expect(wrapper.find('.sms-state').text()).toBe('已关闭');
    await wrapper.find('.sms-row').trigger('click');
    await settle();
    expect(callsTo('PUT', PREFS)).toHaveLength(1);
    answer({ channel: null, sms: 'off' });
    await settle();
    expect(wrapper.find('.sms-state').text()).toBe('已关闭');
  });

  test('preferences that cannot be read show the message beside a retry; the rest of the page works', async () => {
    routes();
    on('GET', PREFS, apiError(503, 'service.unavailable', '服务暂时不可用，请稍后再试'));
    const wrapper = await mountPage(Me);
    expect(wrapper.find('.prefs-error').text()).toBe('服务暂时不可用，请稍后再试');
    expect(wrapper.find('.sms-row').exists()).toBe(false);
    expect(wrapper.find('.profile-name').text()).toBe('张*');
    routes();
    await wrapper.find('.prefs-retry').trigger('click');
    await settle();
    expect(wrapper.find('.prefs-error').exists()).toBe(false);
    expect(wrapper.find('.sms-state').text()).toBe('已开启');
  });
});

describe('我的: 退出登录', () => {
  test('asks first, revokes the refresh token, ends the login and goes home', async () => {
    routes();
    on('POST', '/api/v1/auth/logout', null);
    const wrapper = await mountPage(Me);
    await wrapper.find('.logout-btn').trigger('click');
    await settle();
    expect(uni.showModal.mock.calls[0][0].title).toBe('退出登录');
    expect(api.logout).toHaveBeenCalledTimes(1);
    expect(callsTo('POST', '/api/v1/auth/logout').map((c) => c.body)).toEqual([{ refresh_token: 'refresh-token-1' }]);
    expect(state.loggedIn).toBe(false);
    expect(uni.reLaunch).toHaveBeenCalledWith({ url: '/pages/index/index' });
    expect(uni.showToast).toHaveBeenCalledWith({ title: '已退出登录', icon: 'none' });
  });

  test('a failing logout call still ends the login here', async () => {
    routes();
    on('POST', '/api/v1/auth/logout', apiError(0, 'network', '网络异常，请检查网络后重试'));
    const wrapper = await mountPage(Me);
    await wrapper.find('.logout-btn').trigger('click');
    await settle();
    expect(state.loggedIn).toBe(false);
    expect(uni.reLaunch).toHaveBeenCalledWith({ url: '/pages/index/index' });
  });

  test('cancelled, nothing happens', async () => {
    routes();
    state.modalConfirm = false;
    const wrapper = await mountPage(Me);
    await wrapper.find('.logout-btn').trigger('click');
    await settle();
    expect(api.logout).not.toHaveBeenCalled();
    expect(state.loggedIn).toBe(true);
    expect(uni.reLaunch).not.toHaveBeenCalled();
  });
});

describe('home: the entry to 我的', () => {
  function homeRoutes() {
    on('GET', '/api/v1/channels/app/menu', { sections: [] });
    on('GET', '/api/v1/items/hot', { items: [] });
  }

  test('我的 is a tab of the tab bar; logged in there is no login button on home', async () => {
    homeRoutes();
    const wrapper = await mountPage(Index);
    expect(texts(wrapper, '.tab-bar .tab-title')).toEqual(['首页', '办事', '消息', '我的']);
    expect(wrapper.find('.tab-home').attributes('aria-current')).toBe('page');
    expect(wrapper.find('.home-login').exists()).toBe(false);
    expect(wrapper.text()).not.toContain('退出登录');
    await wrapper.find('.tab-me').trigger('click');
    expect(uni.reLaunch).toHaveBeenCalledWith({ url: '/pages/me/me' });
  });

  test('logged out: 登录 on home', async () => {
    homeRoutes();
    state.loggedIn = false;
    const wrapper = await mountPage(Index);
    expect(wrapper.find('.home-login').text()).toBe('登录');
    await wrapper.find('.entry-applications').trigger('click');
    expect(fakeModule.goLogin).toHaveBeenCalled();
    expect(uni.navigateTo).not.toHaveBeenCalled();
  });
});

describe('我的: account link requests and merges', () => {
  const REQUEST = {
    id: '65f0000000000000000000a1',
    state: 'pending',
    channel: 'alipay',
    created_at: '2026-01-05T02:30:00+00:00',
    expires_at: '2026-01-06T02:30:00+00:00',
  };
  const MERGES = [
    { id: 'm1', at: '2026-01-04T02:30:00+00:00', via: 'sms', channels: ['wechat'], undone_at: null },
    { id: 'm0', at: '2026-01-03T02:30:00+00:00', via: 'approval', channels: ['app'], undone_at: '2026-01-03T05:00:00+00:00' },
  ];
  const withLinks = (links) => ({ ...VERIFIED, links: { incoming: [], outgoing: [], merges: [], ...links } });
  const APPROVE = `${ME}/links/${REQUEST.id}/approve`;
  const REFUSE = `${ME}/links/${REQUEST.id}/refuse`;

  test('an incoming request is shown first, with the channel in Chinese, the time and real 批准 / 拒绝 buttons', async () => {
    routes(withLinks({ incoming: [REQUEST] }));
    const wrapper = await mountPage(Me);
    const card = wrapper.find('.incoming-card');
    expect(wrapper.find('.card:not(.elder-card)').classes()).toContain('incoming-card'); // above everything but 长辈版
    expect(card.find('.incoming-title').text()).toBe('有新的登录方式申请关联您的账号');
    expect(card.find('.incoming-from').text()).toBe('来自支付宝的登录');
    expect(card.find('.incoming-at').text()).toBe('申请时间 2026-01-05 10:30');
    expect(card.find('.incoming-warn').text()).toContain('如果不是您本人刚刚在其他手机上操作，请点“拒绝”');
    for (const selector of ['.incoming-approve', '.incoming-refuse']) {
      expect(card.find(selector).element.tagName).toBe('BUTTON');
    }
    expect(texts(card, 'button')).toEqual(['批准', '拒绝']);
  });

  test('no requests, no merges, nothing pending: none of those sections', async () => {
    routes(withLinks({}));
    const wrapper = await mountPage(Me);
    expect(wrapper.find('.incoming-card').exists()).toBe(false);
    expect(wrapper.find('.outgoing-card').exists()).toBe(false);
    expect(wrapper.find('.merges-card').exists()).toBe(false);
  });

  test('批准 asks first, warning about the 办件; cancelled, nothing is sent', async () => {
    routes(withLinks({ incoming: [REQUEST] }));
    state.modalConfirm = false;
    const wrapper = await mountPage(Me);
    await wrapper.find('.incoming-approve').trigger('click');
    await settle();
    const modal = uni.showModal.mock.calls[0][0];
    expect(modal.title).toBe('批准关联');
    expect(modal.content).toContain('支付宝的登录将能查看和办理您账号下的全部办件');
    expect(modal.content).toContain('如果不是您本人刚刚发起的，请不要批准');
    expect(modal.confirmText).toBe('批准');
    expect(callsTo('POST', APPROVE)).toHaveLength(0);
    expect(wrapper.find('.incoming-card').exists()).toBe(true);
  });

  test('批准 confirmed: POST approve, then the account read again (the request gone, a merge listed)', async () => {
    routes(withLinks({ incoming: [REQUEST] }));
    on('POST', APPROVE, () => {
      routes(withLinks({ merges: [{ id: 'm2', at: '2026-01-05T03:00:00+00:00', via: 'approval', channels: ['alipay'], undone_at: null }] }));
      return { resident: VERIFIED, state: 'approved' };
    });
    const wrapper = await mountPage(Me);
    await wrapper.find('.incoming-approve').trigger('click');
    await settle();
    expect(callsTo('POST', APPROVE)).toHaveLength(1);
    expect(uni.showToast).toHaveBeenCalledWith({ title: '已批准关联', icon: 'none' });
    expect(wrapper.find('.incoming-card').exists()).toBe(false);
    expect(wrapper.find('.merge-label').text()).toBe('支付宝');
    expect(wrapper.find('.merge-via').text()).toBe('您在已登录的设备上批准');
  });

  test('拒绝 needs no confirm', async () => {
    routes(withLinks({ incoming: [REQUEST] }));
    on('POST', REFUSE, () => {
      routes(withLinks({}));
      return { resident: VERIFIED, state: 'refused' };
    });
    const wrapper = await mountPage(Me);
    await wrapper.find('.incoming-refuse').trigger('click');
    await settle();
    expect(uni.showModal).not.toHaveBeenCalled();
    expect(callsTo('POST', REFUSE)).toHaveLength(1);
    expect(uni.showToast).toHaveBeenCalledWith({ title: '已拒绝该申请', icon: 'none' });
    expect(wrapper.find('.incoming-card').exists()).toBe(false);
  });

  test('an answer the server refuses shows its message and the list is read again', async () => {
    routes(withLinks({ incoming: [REQUEST] }));
    on('POST', APPROVE, () => {
      routes(withLinks({}));
      return apiError(404, 'link.not_found', '关联申请不存在或已失效');
    });
    const wrapper = await mountPage(Me);
    await wrapper.find('.incoming-approve').trigger('click');
    await settle();
    expect(uni.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '关联申请不存在或已失效' }));
    expect(wrapper.find('.incoming-card').exists()).toBe(false);
  });

  test('关联记录: how and when each login joined; 撤销关联 only for the ones not undone', async () => {
    routes(withLinks({ merges: MERGES }));
    const wrapper = await mountPage(Me);
    expect(texts(wrapper, '.merge-label')).toEqual(['微信', '手机App或网页']);
    expect(texts(wrapper, '.merge-via')).toEqual(['短信验证码确认', '您在已登录的设备上批准']);
    expect(texts(wrapper, '.merge-at')).toEqual(['关联于 2026-01-04 10:30', '关联于 2026-01-03 10:30']);
    expect(texts(wrapper, '.merge-state')).toEqual(['已关联', '已撤销（2026-01-03 13:00）']);
    expect(wrapper.findAll('.merge-undo')).toHaveLength(1);
    expect(wrapper.find('[data-id="m1"] .merge-undo').element.tagName).toBe('BUTTON');
  });

  test('撤销关联 asks first, then POSTs the undo and shows the account', async () => {
    routes(withLinks({ merges: MERGES }));
    on('POST', `${ME}/merges/m1/undo`, () => {
      routes(withLinks({ merges: [{ ...MERGES[0], undone_at: '2026-01-05T00:00:00+00:00' }, MERGES[1]] }));
      return VERIFIED;
    });
    const wrapper = await mountPage(Me);
    state.modalConfirm = false;
    await wrapper.find('[data-id="m1"] .merge-undo').trigger('click');
    await settle();
    expect(callsTo('POST', `${ME}/merges/m1/undo`)).toHaveLength(0);
    state.modalConfirm = true;
    await wrapper.find('[data-id="m1"] .merge-undo').trigger('click');
    await settle();
    const modal = uni.showModal.mock.calls[1][0];
    expect(modal.title).toBe('撤销关联');
    expect(modal.content).toContain('微信的登录将不能再查看和办理本账号的办件');
    expect(callsTo('POST', `${ME}/merges/m1/undo`)).toHaveLength(1);
    expect(uni.showToast).toHaveBeenCalledWith({ title: '已撤销关联', icon: 'none' });
    expect(wrapper.findAll('.merge-undo')).toHaveLength(0);
  });

  test('this login’s own pending request: continue it on the link page', async () => {
    routes({ ...UNVERIFIED, links: { incoming: [], outgoing: [{ ...REQUEST, channel: 'app', proofs: ['approval'], phone: null }], merges: [] } });
    const wrapper = await mountPage(Me);
    expect(wrapper.find('.outgoing-title').text()).toBe('您有一个账号关联申请待确认');
    await wrapper.find('.outgoing-continue').trigger('click');
    expect(uni.navigateTo).toHaveBeenCalledWith({ url: `/pages/link/link?id=${REQUEST.id}` });
  });
});
