// Issue 19: 长辈版, the tab bar's unread badge, a message opening its 办件, the page after a submit,
// the stepper and the words for instant items.
import { describe, expect, test, vi } from 'vitest';
import Index from '../../src/pages/index/index.vue';
import Inbox from '../../src/pages/inbox/inbox.vue';
import Done from '../../src/pages/apply/done.vue';
import Detail from '../../src/pages/applications/detail.vue';
import Search from '../../src/pages/search/search.vue';
import { setElder } from '../../src/elder.js';
import { setUnread } from '../../src/unread.js';
import { on } from './fake-api.js';
import { mountPage, settle, texts } from './helpers.js';

const MENU = {
  sections: [
    { key: 'sb', title: '社保服务', entries: [
      { type: 'item', item_code: 'SB0001', title: '参保查询', icon: 'records' },
      { type: 'link', url: 'https://example.cn', title: '外链', icon: 'default' },
      { type: 'item', item_code: 'SB0008', title: '社保卡挂失补换', icon: 'card-lost' },
    ] },
  ],
};

function homeRoutes(unread = 0) {
  on('GET', '/api/v1/channels/app/menu', MENU);
  on('GET', '/api/v1/items/hot', { items: [{ code: 'SB0008', name: '社保卡挂失补换', promise_days: 10 }, { code: 'SB0001', name: '参保查询', promise_days: 0 }] });
  on('GET', '/api/v1/me/inbox', { messages: [], unread });
}

describe('长辈版', () => {
  test('the switch on home turns it on, keeps it in storage and shows the simplified home', async () => {
    homeRoutes();
    uni.setStorageSync = vi.fn();
    setElder(false);
    const wrapper = await mountPage(Index);
    expect(wrapper.find('.home-page').classes()).not.toContain('elder');
    expect(wrapper.findAll('.grid-cell').length).toBe(3);
    const row = wrapper.find('.elder-row');
    expect(row.attributes('role')).toBe('switch');
    expect(row.attributes('aria-checked')).toBe('false');
    await row.trigger('click');
    await settle();
    expect(uni.setStorageSync).toHaveBeenCalledWith('elder_mode', true);
    expect(wrapper.find('.home-page').classes()).toContain('elder');
    expect(wrapper.find('.elder-row').attributes('aria-checked')).toBe('true');
    expect(wrapper.findAll('.grid-cell').length).toBe(0);
    expect(texts(wrapper, '.elder-shortcuts .elder-entry-title')).toEqual(['参保查询', '社保卡挂失补换', '全部服务']);
    setElder(false);
  });

  test('热门事项 shows names and 即办 for instant items, never the raw codes', async () => {
    homeRoutes();
    const wrapper = await mountPage(Index);
    expect(texts(wrapper, '.hot-name')).toEqual(['社保卡挂失补换', '参保查询']);
    expect(texts(wrapper, '.hot-promise')).toEqual(['承诺 10 个工作日', '即办']);
    expect(wrapper.find('.hot-card').text()).not.toContain('SB0008');
  });

  test('menu icons are bundled SVG images from the catalog icon setting', async () => {
    homeRoutes();
    const wrapper = await mountPage(Index);
    const src = wrapper.find('.grid-cell image').attributes('src');
    expect(src.startsWith('data:image/svg+xml')).toBe(true);
    expect(decodeURIComponent(src)).toContain('<svg');
  });
});

describe('tab bar', () => {
  test('the 消息 tab shows the unread count, in words for screen readers', async () => {
    homeRoutes(3);
    const wrapper = await mountPage(Index);
    await settle();
    expect(wrapper.find('.tab-inbox .tab-badge').text()).toBe('3');
    expect(wrapper.find('.tab-inbox').attributes('aria-label')).toBe('消息，3 条未读');
    setUnread(0);
    await settle();
    expect(wrapper.find('.tab-inbox .tab-badge').exists()).toBe(false);
    expect(wrapper.find('.tab-inbox').attributes('aria-label')).toBe('消息');
  });
});

describe('inbox', () => {
  test('a message about an application opens it and is marked read', async () => {
    on('GET', '/api/v1/me/inbox', { messages: [{ id: 'm1', title: '办件已受理', body: '…', number: 'YB1', read: false, at: '2026-12-01T00:00:00Z' }], unread: 1 });
    on('POST', '/api/v1/me/inbox/m1/read', {});
    const wrapper = await mountPage(Inbox);
    const message = wrapper.find('.message');
    expect(message.text()).toContain('未读');
    await message.trigger('click');
    await settle();
    expect(uni.navigateTo).toHaveBeenCalledWith({ url: '/pages/applications/detail?number=YB1' });
    expect(wrapper.find('.message .unread-tag').exists()).toBe(false);
  });
});

describe('after a submit', () => {
  test('says what happens next and by when', async () => {
    on('GET', '/api/v1/applications/SB1', { number: 'SB1', state: 'submitted', item_name: '社保卡申领', due_date: '2026-12-20', timeline: [] });
    const wrapper = await mountPage(Done, { number: 'SB1', days: '10' });
    expect(wrapper.find('.done-number-value').text()).toBe('SB1');
    expect(texts(wrapper, '.next-title')).toEqual(['部门受理', '审核办理', '结果通知']);
    expect(wrapper.find('.done-next').text()).toContain('承诺 10 个工作日内办结，即 2026-12-20 前');
    await wrapper.find('.done-view').trigger('click');
    expect(uni.redirectTo).toHaveBeenCalledWith({ url: '/pages/applications/detail?number=SB1' });
  });
});

describe('detail stepper', () => {
  test('shows the steps done, under way and to come', async () => {
    on('GET', /^\/api\/v1\/applications\/SB1/, {
      number: 'SB1', state: 'accepted', item_code: 'SB0008', due_date: '2026-12-20', allowed_actions: [],
      timeline: [{ action: 'submit', to: 'submitted', role: 'resident', at: '2026-12-01T00:00:00Z' }, { action: 'accept', to: 'accepted', role: 'staff', at: '2026-12-01T01:00:00Z' }],
    });
    on('GET', /^\/api\/v1\/items\//, { code: 'SB0008', materials: [] });
    on('GET', '/api/v1/me/materials', { consent: false, materials: [] });
    const wrapper = await mountPage(Detail, { number: 'SB1' });
    expect(texts(wrapper, '.step-status')).toEqual(['已完成', '已完成', '进行中', '待办理', '待办理']);
    expect(wrapper.find('.step-at-complete .step-hint').text()).toBe('承诺 2026-12-20 前办结');
  });
});

describe('search', () => {
  test('the placeholder example finds something and instant items say 即办', async () => {
    on('GET', '/api/v1/items', { items: [{ code: 'SB0005', name: '社保卡状态查询', promise_days: 0, category: '社保' }], total: 1 });
    const wrapper = await mountPage(Search, { q: 'sbk' });
    await settle();
    expect(wrapper.find('input').attributes('placeholder')).toContain('sbk');
    expect(wrapper.find('.result-meta').text()).toBe('社保 · 即办');
  });
});
