import { describe, expect, test } from 'vitest';
import Index from '../../src/pages/index/index.vue';
import Item from '../../src/pages/item/item.vue';
import Inbox from '../../src/pages/inbox/inbox.vue';
import Realname from '../../src/pages/realname/realname.vue';
import { apiError, callsTo, fakeModule, on, state } from './fake-api.js';
import { mountPage, settle, texts } from './helpers.js';

describe('home', () => {
  function routes() {
    on('GET', '/api/v1/channels/app/menu', { sections: [{ key: 'sb', title: '社保服务', entries: [{ type: 'item', item_code: 'SB0001', title: '参保查询', badge: 'hot' }] }] });
    on('GET', '/api/v1/items/hot', { items: [{ code: 'SB0008', name: '社保卡挂失补换' }] });
  }

  test('shows the menu, hot items and the entries to 我的办件, 我的消息, 我的车辆, 我的材料库', async () => {
    routes();
    const wrapper = await mountPage(Index);
    expect(wrapper.find('.section-title').text()).toBe('社保服务');
    expect(wrapper.find('.badge').text()).toBe('热');
    expect(texts(wrapper, '.mine-entry .grid-title')).toEqual(['我的办件', '我的消息', '我的车辆', '我的材料库']);
    await wrapper.find('.entry-applications').trigger('click');
    await wrapper.find('.entry-inbox').trigger('click');
    await wrapper.find('.entry-vehicles').trigger('click');
    await wrapper.find('.entry-library').trigger('click');
    expect(uni.navigateTo.mock.calls.map((c) => c[0].url)).toEqual([
      '/pages/applications/list', '/pages/vehicles/vehicles', '/pages/library/library',
    ]);
    expect(uni.reLaunch).toHaveBeenCalledWith({ url: '/pages/inbox/inbox' }); // a tab page
  });

  test('the personal entries ask for a login first', async () => {
    routes();
    state.loggedIn = false;
    const wrapper = await mountPage(Index);
    await wrapper.find('.entry-applications').trigger('click');
    expect(fakeModule.goLogin).toHaveBeenCalled();
    expect(uni.navigateTo).not.toHaveBeenCalled();
  });

  test('a menu failure shows the server message', async () => {
    routes();
    on('GET', '/api/v1/channels/app/menu', apiError(503, 'service.unavailable', '服务暂时不可用，请稍后再试'));
    const wrapper = await mountPage(Index);
    expect(wrapper.find('.empty').text()).toBe('服务暂时不可用，请稍后再试');
  });
});

describe('item detail', () => {
  test('在线办理 opens the application form of an application item', async () => {
    on('GET', '/api/v1/items/SB0008', { code: 'SB0008', name: '社保卡挂失补换', kind: 'application', promise_days: 10, materials: [{ code: 'id_card', name: '居民身份证', required: true }] });
    const wrapper = await mountPage(Item, { code: 'SB0008' });
    expect(wrapper.find('.item-name').text()).toBe('社保卡挂失补换');
    expect(wrapper.find('.item-materials').text()).toContain('居民身份证');
    expect(wrapper.find('.item-apply').text()).toBe('在线办理');
    await wrapper.find('.item-apply').trigger('click');
    expect(uni.navigateTo).toHaveBeenCalledWith({ url: '/pages/apply/apply?code=SB0008' });
  });

  test('a vehicle query item offers 立即查询 and 我的车辆 instead', async () => {
    on('GET', '/api/v1/items/JT0001', { code: 'JT0001', name: '违法查询', kind: 'query', query: 'jj.vehicle_violations', promise_days: 0 });
    const wrapper = await mountPage(Item, { code: 'JT0001' });
    expect(wrapper.find('.item-apply').exists()).toBe(false);
    await wrapper.find('.item-query').trigger('click');
    await wrapper.find('.item-vehicles').trigger('click');
    expect(uni.navigateTo.mock.calls.map((c) => c[0].url)).toEqual(['/pages/query/query?code=JT0001', '/pages/vehicles/vehicles?from=JT0001']);
  });

  test('a person query item needs no vehicle', async () => {
    on('GET', '/api/v1/items/SB0001', { code: 'SB0001', name: '个人参保信息查询', kind: 'query', query: 'sb.insured_info', promise_days: 0 });
    const wrapper = await mountPage(Item, { code: 'SB0001' });
    expect(wrapper.find('.item-query').exists()).toBe(true);
    expect(wrapper.find('.item-vehicles').exists()).toBe(false);
  });
});

describe('inbox', () => {
  test('lists messages with the unread count and marks one read', async () => {
    on('GET', '/api/v1/me/inbox', { unread: 1, messages: [
      { id: 'm1', title: '办件已受理', body: '您的「社保卡挂失补换」申请已受理，请留意后续进展。', number: 'SB20260105000001', at: '2026-01-05T03:01:00+00:00', read: false },
    ] });
    on('POST', '/api/v1/me/inbox/m1/read', null);
    const wrapper = await mountPage(Inbox);
    expect(wrapper.find('.message-title').text()).toBe('办件已受理');
    expect(wrapper.find('.summary').text()).toBe('未读 1 条');
    expect(wrapper.find('.message').text()).toContain('办件编号 SB20260105000001');
    expect(wrapper.find('.message').text()).toContain('2026-01-05 11:01');
    await wrapper.find('.message').trigger('click');
    await settle();
    expect(callsTo('POST', '/api/v1/me/inbox/m1/read')).toHaveLength(1);
    expect(wrapper.find('.summary').text()).toBe('未读 0 条');
  });
});

describe('real name', () => {
  const NOTICE = { kind: 'id_number', version: 2, title: '身份证号处理告知', sections: [{ heading: '为什么需要', text: '确认办事人是本人' }] };
  function legal(consents) {
    on('GET', '/api/v1/me', { realname: { status: 'unverified' }, consents, links: {} });
    on('GET', '/api/v1/legal', { versions: { terms: 1, privacy: 1, id_number: 2 } });
    on('GET', '/api/v1/legal/id_number', NOTICE);
  }

  test('asks for the 身份证号 notice first; disagreeing goes back without the form', async () => {
    legal({ id_number: { version: 1 } }); // agreed to an older notice: asked again
    on('POST', '/api/v1/me/consents', { consents: { id_number: { version: 2 } }, consent_required: [] });
    const wrapper = await mountPage(Realname);
    expect(wrapper.find('.id-notice').text()).toContain('确认办事人是本人');
    expect(wrapper.find('.realname-id').exists()).toBe(false);
    await wrapper.find('.id-consent-disagree').trigger('click');
    expect(uni.navigateBack).toHaveBeenCalled(); // back where the real name was asked for
    expect(callsTo('POST', '/api/v1/me/consents')).toHaveLength(0);
    await wrapper.find('.id-consent-agree').trigger('click');
    await settle();
    expect(callsTo('POST', '/api/v1/me/consents')[0].body).toEqual({ kinds: ['id_number'], versions: { id_number: 2 } });
    expect(wrapper.find('.id-notice').exists()).toBe(false);
    expect(wrapper.find('.realname-id').exists()).toBe(true);
  });

  test('checks the 身份证号 locally, then goes back to the whitelisted apply page', async () => {
    legal({ id_number: { version: 2 } });
    on('POST', '/api/v1/me/realname', { resident: { realname: { status: 'verified' } }, merged: false });
    const wrapper = await mountPage(Realname, { redirect: 'pages%2Fapply%2Fapply%3Fcode%3DSB0008' });
    await wrapper.find('.realname-name').setValue('张三');
    await wrapper.find('.realname-id').setValue('330106195508163315');
    await wrapper.find('.realname-submit').trigger('click');
    expect(wrapper.find('.realname-error').text()).toBe('身份证号格式不正确，请核对');
    await wrapper.find('.realname-id').setValue('330106195508163314');
    await wrapper.find('.realname-submit').trigger('click');
    await settle();
    expect(callsTo('POST', '/api/v1/me/realname')[0].body).toEqual({ name: '张三', id_number: '330106195508163314' });
    await new Promise((resolve) => setTimeout(resolve, 850));
    expect(uni.redirectTo.mock.calls[0][0].url).toBe('/pages/apply/apply?code=SB0008');
  });
});
