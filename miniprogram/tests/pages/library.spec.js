import { describe, expect, test } from 'vitest';
import { mount } from '@vue/test-utils';
import Library from '../../src/pages/library/library.vue';
import Apply from '../../src/pages/apply/apply.vue';
import { apiError, callsTo, on, state } from './fake-api.js';
import { fire, mountPage, settle, texts } from './helpers.js';

const ENTRIES = [
  { code: 'id_card', name: '居民身份证', upload_id: 'up1', content_type: 'image/png',
    from_application: 'SB20260105000001', added_at: '2026-01-05T02:30:00+00:00' },
  { code: 'result_sb0011', name: '养老保险关系转移接续结果', upload_id: 'up2', content_type: 'application/pdf',
    from_application: 'SB20260105000001', added_at: '2026-01-06T08:00:00+00:00' },
];
const PATH = '/api/v1/me/materials';

function library(consent, materials = []) {
  on('GET', PATH, { consent, materials });
}

describe('my material library', () => {
  test('lists the kept materials with when they were saved, an image with its preview', async () => {
    library(true, ENTRIES);
    state.download = (path) => Promise.resolve(`blob:${path}`);
    const wrapper = await mountPage(Library);
    expect(wrapper.find('.consent-state').text()).toBe('已开启');
    expect(wrapper.find('.consent-switch').classes()).toContain('switch-on');
    expect(wrapper.find('.consent-row').attributes('aria-checked')).toBe('true');
    expect(texts(wrapper, '.entry-name')).toEqual(['居民身份证', '养老保险关系转移接续结果']);
    expect(texts(wrapper, '.entry-added')).toEqual(['保存于 2026-01-05 10:30', '保存于 2026-01-06 16:00']);
    expect(wrapper.find('[data-code="id_card"] .entry-from').text()).toBe('来自办件 SB20260105000001');
    expect(wrapper.find('[data-code="id_card"] image.entry-thumb').attributes('src')).toBe('blob:/api/v1/uploads/up1/content');
    expect(wrapper.find('[data-code="result_sb0011"] .entry-kind').text()).toBe('PDF');
    expect(wrapper.find('.library-empty').exists()).toBe(false);
    // the explanation says what is kept, when it is used, and what turning it off does
    const explain = wrapper.find('.consent-explain').text();
    expect(explain).toContain('审核通过的申请材料');
    expect(explain).toContain('只在您办事时自己选择');
    expect(explain).toContain('关闭后，材料库中的全部材料会立即删除');
  });

  test('an image whose preview cannot be fetched still shows its name', async () => {
    library(true, ENTRIES.slice(0, 1));
    state.download = () => Promise.reject(apiError(404, 'http.404', '文件不存在或已删除'));
    const wrapper = await mountPage(Library);
    expect(wrapper.find('[data-code="id_card"] image').exists()).toBe(false);
    expect(wrapper.find('[data-code="id_card"] .entry-kind').text()).toBe('图片');
    expect(wrapper.find('[data-code="id_card"] .entry-name').text()).toBe('居民身份证');
  });

  test('empty states, with and without consent', async () => {
    library(false);
    const off = await mountPage(Library);
    expect(off.find('.consent-state').text()).toBe('未开启');
    expect(off.find('.consent-switch').classes()).not.toContain('switch-on');
    expect(off.find('.library-empty').text()).toBe('开启后，审核通过的材料会保存到这里，下次办事可直接使用。');
    expect(off.findAll('.entry')).toHaveLength(0);

    library(true);
    const on_ = await mountPage(Library);
    expect(on_.find('.library-empty').text()).toBe('还没有材料。部门受理您的办件后，审核通过的材料会自动保存到这里。');
  });

  test('turning consent on sends PUT {consent: true} without asking', async () => {
    library(false);
    on('PUT', PATH, { consent: true });
    const wrapper = await mountPage(Library);
    await wrapper.find('.consent-row').trigger('click');
    await settle();
    expect(uni.showModal).not.toHaveBeenCalled();
    expect(callsTo('PUT', PATH).map((c) => c.body)).toEqual([{ consent: true }]);
    expect(wrapper.find('.consent-state').text()).toBe('已开启');
    expect(wrapper.find('.consent-switch').classes()).toContain('switch-on');
    expect(uni.showToast).toHaveBeenCalledWith({ title: '已开启材料库', icon: 'none' });
  });

  test('turning consent off asks first; cancelled, nothing is sent and the materials stay', async () => {
    library(true, ENTRIES);
    on('PUT', PATH, { consent: false });
    state.modalConfirm = false;
    const wrapper = await mountPage(Library);
    await wrapper.find('.consent-row').trigger('click');
    await settle();
    const modal = uni.showModal.mock.calls[0][0];
    expect(modal.title).toBe('关闭材料库');
    expect(modal.content).toContain('2 份材料将全部删除，且不可恢复');
    expect(callsTo('PUT', PATH)).toHaveLength(0);
    expect(wrapper.find('.consent-state').text()).toBe('已开启');
    expect(wrapper.findAll('.entry')).toHaveLength(2);
  });

  test('turning consent off, confirmed, sends PUT {consent: false} and empties the list', async () => {
    library(true, ENTRIES);
    on('PUT', PATH, { consent: false });
    const wrapper = await mountPage(Library);
    await wrapper.find('.consent-row').trigger('click');
    await settle();
    expect(uni.showModal).toHaveBeenCalledTimes(1);
    expect(callsTo('PUT', PATH).map((c) => c.body)).toEqual([{ consent: false }]);
    expect(wrapper.findAll('.entry')).toHaveLength(0);
    expect(wrapper.find('.consent-state').text()).toBe('未开启');
    expect(wrapper.find('.library-empty').exists()).toBe(true);
    expect(uni.showToast).toHaveBeenCalledWith({ title: '已关闭，材料已全部删除', icon: 'none' });
  });

  test('a refused consent change shows the server message and keeps the state', async () => {
    library(true, ENTRIES);
    on('PUT', PATH, apiError(503, 'service.unavailable', '服务暂时不可用，请稍后再试'));
    const wrapper = await mountPage(Library);
    await wrapper.find('.consent-row').trigger('click');
    await settle();
    expect(uni.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '服务暂时不可用，请稍后再试' }));
    expect(wrapper.find('.consent-state').text()).toBe('已开启');
    expect(wrapper.findAll('.entry')).toHaveLength(2);
  });

  test('deletes one material after confirming', async () => {
    library(true, ENTRIES);
    on('DELETE', `${PATH}/id_card`, null);
    const wrapper = await mountPage(Library);
    await wrapper.find('[data-code="id_card"] .entry-delete').trigger('click');
    await settle();
    const modal = uni.showModal.mock.calls[0][0];
    expect(modal.title).toBe('删除材料');
    expect(modal.content).toContain('“居民身份证”');
    expect(callsTo('DELETE', `${PATH}/id_card`)).toHaveLength(1);
    expect(texts(wrapper, '.entry-name')).toEqual(['养老保险关系转移接续结果']);
    expect(uni.showToast).toHaveBeenCalledWith({ title: '已删除', icon: 'none' });
  });

  test('a cancelled delete sends nothing', async () => {
    library(true, ENTRIES);
    state.modalConfirm = false;
    const wrapper = await mountPage(Library);
    await wrapper.find('[data-code="id_card"] .entry-delete').trigger('click');
    await settle();
    expect(callsTo('DELETE', /materials\//)).toHaveLength(0);
    expect(wrapper.findAll('.entry')).toHaveLength(2);
  });

  test('a material already gone (404) shows the server message and leaves the list', async () => {
    library(true, ENTRIES);
    on('DELETE', `${PATH}/id_card`, apiError(404, 'library.not_found', '材料库中没有该材料'));
    const wrapper = await mountPage(Library);
    await wrapper.find('[data-code="id_card"] .entry-delete').trigger('click');
    await settle();
    expect(uni.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '材料库中没有该材料' }));
    expect(texts(wrapper, '.entry-name')).toEqual(['养老保险关系转移接续结果']);
  });

  test('a failed load shows the server message, and retries', async () => {
    on('GET', PATH, apiError(503, 'service.unavailable', '服务暂时不可用，请稍后再试'));
    const wrapper = await mountPage(Library);
    expect(wrapper.find('.library-error').text()).toBe('服务暂时不可用，请稍后再试');
    expect(wrapper.find('.consent-card').exists()).toBe(false);
    library(true, ENTRIES);
    await wrapper.find('.library-retry').trigger('click');
    await settle();
    expect(wrapper.find('.library-error').exists()).toBe(false);
    expect(wrapper.findAll('.entry')).toHaveLength(2);
  });

  test('while loading it says so', async () => {
    let answer;
    on('GET', PATH, () => new Promise((resolve) => { answer = resolve; }));
    const wrapper = mount(Library, { attachTo: document.body });
    const shown = fire(wrapper, 'onShow');
    await settle();
    expect(wrapper.find('.library-loading').text()).toBe('加载中…');
    expect(wrapper.find('.consent-card').exists()).toBe(false);
    answer({ consent: true, materials: ENTRIES });
    await shown;
    expect(wrapper.find('.library-loading').exists()).toBe(false);
    expect(wrapper.findAll('.entry')).toHaveLength(2);
  });

  test('without a login it asks to log in and loads nothing', async () => {
    state.loggedIn = false;
    const wrapper = await mountPage(Library);
    expect(wrapper.text()).toContain('登录后管理我的材料库');
    expect(state.calls).toHaveLength(0);
  });

});

const ITEM = {
  code: 'SB0011', name: '养老保险关系转移接续', kind: 'application', department: 'rsj', promise_days: 15,
  form: [{ name: 'contact_phone', label: '联系电话', type: 'phone', required: true }],
  materials: [{ code: 'id_card', name: '居民身份证', required: true }],
};

function applyRoutes(consent, materials = []) {
  on('GET', '/api/v1/items/SB0011', ITEM);
  on('GET', '/api/v1/me', { realname: { status: 'verified', name: '张*' } });
  library(consent, materials);
}

describe('the apply page and the library', () => {
  const INVITE = '开启材料库，审核通过的材料下次可直接使用';

  test('without consent one line under the materials heading links to the library', async () => {
    applyRoutes(false);
    const wrapper = await mountPage(Apply, { code: 'SB0011' });
    const invite = wrapper.find('.apply-materials .library-invite');
    expect(invite.text()).toBe(INVITE);
    await invite.trigger('click');
    expect(uni.navigateTo).toHaveBeenCalledWith({ url: '/pages/library/library' });
  });

  test('with consent there is no invitation', async () => {
    applyRoutes(true, ENTRIES.slice(0, 1));
    const wrapper = await mountPage(Apply, { code: 'SB0011' });
    expect(wrapper.find('.apply-materials').exists()).toBe(true);
    expect(wrapper.find('.library-invite').exists()).toBe(false);
    expect(wrapper.text()).not.toContain(INVITE);
  });

  test('when the library cannot be read there is no invitation either', async () => {
    applyRoutes(false);
    on('GET', PATH, apiError(503, 'service.unavailable', '服务暂时不可用，请稍后再试'));
    const wrapper = await mountPage(Apply, { code: 'SB0011' });
    expect(wrapper.find('.apply-materials').exists()).toBe(true);
    expect(wrapper.find('.library-invite').exists()).toBe(false);
  });

  test('back from the library the page reloads it and keeps what was filled in', async () => {
    applyRoutes(false);
    const wrapper = await mountPage(Apply, { code: 'SB0011' });
    await wrapper.find('[data-name="contact_phone"] input').setValue('13700002468');
    expect(callsTo('GET', PATH)).toHaveLength(1);

    // on the library page the resident turned consent on; a material was already there
    applyRoutes(true, ENTRIES.slice(0, 1));
    await fire(wrapper, 'onHide');
    await fire(wrapper, 'onShow');
    expect(callsTo('GET', PATH)).toHaveLength(2);
    expect(callsTo('GET', '/api/v1/items/SB0011')).toHaveLength(1); // the form was not reloaded
    expect(wrapper.find('.library-invite').exists()).toBe(false);
    expect(wrapper.find('[data-name="contact_phone"] input').element.value).toBe('13700002468');
    expect(wrapper.find('[data-code="id_card"] .upload-reuse').text()).toBe('使用材料库中的居民身份证');
  });
});
