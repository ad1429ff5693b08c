import { describe, expect, test } from 'vitest';
import List from '../../src/pages/applications/list.vue';
import Detail from '../../src/pages/applications/detail.vue';
import { apiError, callsTo, fakeModule, on, state } from './fake-api.js';
import { fire, mountPage, settle, texts } from './helpers.js';

function app(number, stateName, extra = {}) {
  return {
    number, item_code: 'SB0008', item_name: '社保卡挂失补换', state: stateName, version: 1,
    submitted_at: '2026-01-05T02:30:00+00:00', due_date: '2026-01-19', due_provisional: false, overdue: false,
    allowed_actions: [], ...extra,
  };
}

describe('my applications list', () => {
  test('lists applications with Chinese states and pages on with the cursor', async () => {
    on('GET', '/api/v1/applications', ({ query }) => (query.cursor
      ? { applications: [app('SB20260101000001', 'completed')], next_cursor: null }
      : { applications: [app('SB20260105000002', 'submitted', { overdue: true }), app('SB20260104000001', 'supplement_required')], next_cursor: 'c1' }));
    const wrapper = await mountPage(List);
    expect(texts(wrapper, '.application-row .state')).toEqual(['已提交', '待补正']);
    expect(wrapper.find('.application-row').text()).toContain('办件编号 SB20260105000002');
    expect(wrapper.find('.application-row').text()).toContain('提交时间 2026-01-05 10:30');
    expect(wrapper.find('.application-row').text()).toContain('承诺办结 2026-01-19（已超期）');
    await wrapper.find('.load-more').trigger('click');
    await settle();
    expect(texts(wrapper, '.application-row .state')).toEqual(['已提交', '待补正', '已办结']);
    expect(callsTo('GET', '/api/v1/applications')[1].query).toEqual({ limit: 20, cursor: 'c1' });
    expect(wrapper.text()).toContain('没有更多了');
  });

  test('state tabs filter by state and start again from the first page', async () => {
    on('GET', '/api/v1/applications', ({ query }) => ({
      applications: query.state === 'completed' ? [app('SB20260101000001', 'completed')] : [app('SB20260105000002', 'submitted')],
      next_cursor: null,
    }));
    const wrapper = await mountPage(List);
    expect(texts(wrapper, '.tab')).toEqual(['全部', '已提交', '已受理', '审核中', '待补正', '已办结']);
    await wrapper.find('.tab[data-state="completed"]').trigger('click');
    await settle();
    expect(callsTo('GET', '/api/v1/applications').at(-1).query).toEqual({ limit: 20, state: 'completed' });
    expect(texts(wrapper, '.application-row .state')).toEqual(['已办结']);
    expect(wrapper.find('.tab-on').text()).toBe('已办结');
    on('GET', '/api/v1/applications', { applications: [], next_cursor: null });
    await wrapper.find('.tab[data-state="accepted"]').trigger('click');
    await settle();
    expect(wrapper.find('.list-empty').text()).toBe('暂无已受理的办件');
  });

  test('opens the detail of a tapped application', async () => {
    on('GET', '/api/v1/applications', { applications: [app('SB20260105000002', 'submitted')], next_cursor: null });
    const wrapper = await mountPage(List);
    await wrapper.find('.application-row').trigger('click');
    expect(uni.navigateTo).toHaveBeenCalledWith({ url: '/pages/applications/detail?number=SB20260105000002' });
  });

  test('shows the server message when the list fails', async () => {
    on('GET', '/api/v1/applications', apiError(503, 'service.unavailable', '服务暂时不可用，请稍后再试'));
    const wrapper = await mountPage(List);
    expect(wrapper.find('.list-error').text()).toBe('服务暂时不可用，请稍后再试');
  });
});

const TIMELINE = [
  { action: 'submit', from: null, to: 'submitted', role: 'resident', actor: 'r1', at: '2026-01-05T02:30:00+00:00', comment: '' },
  { action: 'claim', from: 'submitted', to: 'submitted', role: 'staff', actor: 'processor.rsj', at: '2026-01-05T03:00:00+00:00', comment: '' },
  { action: 'accept', from: 'submitted', to: 'accepted', role: 'staff', actor: 'processor.rsj', at: '2026-01-05T03:01:00+00:00', comment: '材料齐全' },
];

describe('application detail', () => {
  test('shows state, due date and the timeline newest first in Beijing time', async () => {
    on('GET', '/api/v1/applications/SB20260105000002', app('SB20260105000002', 'accepted', {
      timeline: TIMELINE, overdue: true, due_provisional: true, allowed_actions: ['withdraw', 'start_review'],
    }));
    const wrapper = await mountPage(Detail, { number: 'SB20260105000002' });
    expect(wrapper.find('.detail-state').text()).toBe('已受理');
    expect(wrapper.find('.detail-number').text()).toBe('SB20260105000002');
    expect(wrapper.find('.detail-due').text()).toBe('2026-01-19（预计，以节假日安排为准）');
    expect(wrapper.find('.overdue-notice').text()).toBe('已超过承诺办结日期，部门正在加快办理');
    expect(texts(wrapper, '.event-title')).toEqual(['已受理', '已提交']); // the staff claim is not shown
    expect(texts(wrapper, '.event-meta')).toEqual(['部门受理 · 工作人员 · 2026-01-05 11:01', '提交申请 · 本人 · 2026-01-05 10:30']);
    expect(wrapper.find('.event-comment').text()).toBe('材料齐全');
    expect(wrapper.find('.withdraw').exists()).toBe(true);
    expect(wrapper.find('.detail-rating').exists()).toBe(false);
    expect(wrapper.find('.detail-supplement').exists()).toBe(false);
  });

  test('withdraws with If-Match and shows the new state', async () => {
    on('GET', '/api/v1/applications/SB20260105000002', app('SB20260105000002', 'submitted', { version: 3, timeline: TIMELINE.slice(0, 1), allowed_actions: ['withdraw', 'accept', 'refuse'] }));
    on('POST', '/api/v1/applications/SB20260105000002/withdraw', app('SB20260105000002', 'withdrawn', {
      version: 4, allowed_actions: [],
      timeline: [...TIMELINE.slice(0, 1), { action: 'withdraw', from: 'submitted', to: 'withdrawn', role: 'resident', actor: 'r1', at: '2026-01-05T04:00:00+00:00', comment: '' }],
    }));
    const wrapper = await mountPage(Detail, { number: 'SB20260105000002' });
    await wrapper.find('.withdraw').trigger('click');
    await settle();
    const [call] = callsTo('POST', '/api/v1/applications/SB20260105000002/withdraw');
    expect(call.options.headers).toEqual({ 'If-Match': '"3"' });
    expect(wrapper.find('.detail-state').text()).toBe('已撤回');
    expect(wrapper.find('.event-title').text()).toBe('已撤回');
    expect(wrapper.find('.withdraw').exists()).toBe(false);
  });

  test('a refused withdraw shows the server message and the current state', async () => {
    on('GET', '/api/v1/applications/SB20260105000002', app('SB20260105000002', 'submitted', { timeline: TIMELINE.slice(0, 1), allowed_actions: ['withdraw'] }));
    on('POST', '/api/v1/applications/SB20260105000002/withdraw', () => {
      on('GET', '/api/v1/applications/SB20260105000002', app('SB20260105000002', 'in_review', { version: 3, timeline: TIMELINE }));
      return apiError(409, 'application.version_conflict', '办件已被更新，请刷新后重试');
    });
    const wrapper = await mountPage(Detail, { number: 'SB20260105000002' });
    await wrapper.find('.withdraw').trigger('click');
    await settle();
    expect(wrapper.find('.action-error').text()).toBe('办件已被更新，请刷新后重试');
    expect(wrapper.find('.detail-state').text()).toBe('审核中');
  });

  test('supplement: asks what the department wants, uploads and sends with If-Match', async () => {
    on('GET', '/api/v1/applications/SB20260105000002', app('SB20260105000002', 'supplement_required', {
      version: 5,
      timeline: [...TIMELINE, { action: 'request_supplement', from: 'in_review', to: 'supplement_required', role: 'staff', actor: 'p', at: '2026-01-06T01:00:00+00:00', comment: '身份证照片不清晰' }],
    }));
    on('GET', '/api/v1/items/SB0008', { code: 'SB0008', materials: [{ code: 'id_card', name: '居民身份证', required: true }, { code: 'photo_1inch', name: '一寸照片', required: false }] });
    on('GET', '/api/v1/me/materials', { consent: false, materials: [] });
    on('POST', '/api/v1/applications/SB20260105000002/supplement', app('SB20260105000002', 'resubmitted', { version: 6, timeline: TIMELINE }));
    const wrapper = await mountPage(Detail, { number: 'SB20260105000002' });
    expect(wrapper.find('.supplement-ask').text()).toBe('部门意见：身份证照片不清晰');
    await wrapper.find('.supplement-submit').trigger('click');
    await settle();
    expect(wrapper.find('.detail-supplement .field-error').text()).toBe('请至少上传一份补正材料');
    expect(callsTo('POST', '/api/v1/applications/SB20260105000002/supplement')).toHaveLength(0);
    state.photo = { path: 'blob:clear-id', size: 1000, type: 'image/jpeg' };
    await wrapper.find('[data-code="id_card"] .upload-photo').trigger('click');
    await settle();
    await wrapper.find('.supplement-comment').setValue('已重新拍摄');
    await wrapper.find('.supplement-submit').trigger('click');
    await settle();
    const [call] = callsTo('POST', '/api/v1/applications/SB20260105000002/supplement');
    expect(call.body).toEqual({ materials: [{ code: 'id_card', upload_id: 'up-blob:clear-id' }], comment: '已重新拍摄' });
    expect(call.options.headers).toEqual({ 'If-Match': '"5"' });
    expect(wrapper.find('.detail-state').text()).toBe('已补正');
  });

  test('rating a completed application: stars, comment, server errors shown', async () => {
    on('GET', '/api/v1/applications/SB20260105000002', app('SB20260105000002', 'completed', {
      timeline: TIMELINE, rating: null, result: { filename: '参保证明.pdf', content_type: 'application/pdf' },
    }));
    on('POST', '/api/v1/applications/SB20260105000002/rating', apiError(409, 'application.already_rated', '已评价过'));
    const wrapper = await mountPage(Detail, { number: 'SB20260105000002' });
    expect(wrapper.findAll('.detail-rating .star')).toHaveLength(5);
    await wrapper.find('.rating-submit').trigger('click');
    expect(wrapper.find('.detail-rating .field-error').text()).toBe('请选择评分');
    await wrapper.find('.star[data-score="4"]').trigger('click');
    expect(wrapper.findAll('.detail-rating .star-on')).toHaveLength(4);
    expect(wrapper.find('.rating-label').text()).toBe('满意');
    await wrapper.find('.rating-comment').setValue('办得很快');
    await wrapper.find('.rating-submit').trigger('click');
    await settle();
    expect(callsTo('POST', '/api/v1/applications/SB20260105000002/rating')[0].body).toEqual({ score: 4, comment: '办得很快' });
    expect(wrapper.find('.detail-rating .field-error').text()).toBe('已评价过');

    on('POST', '/api/v1/applications/SB20260105000002/rating', app('SB20260105000002', 'completed', {
      timeline: TIMELINE, rating: { score: 4, comment: '办得很快' }, result: { filename: '参保证明.pdf', content_type: 'application/pdf' },
    }));
    await wrapper.find('.rating-submit').trigger('click');
    await settle();
    expect(wrapper.find('.detail-rating').exists()).toBe(false);
    expect(wrapper.find('.detail-rated').text()).toContain('办得很快');
    expect(wrapper.findAll('.detail-rated .star-on')).toHaveLength(4);
  });

  test('downloads the result document through the authenticated download', async () => {
    on('GET', '/api/v1/applications/SB20260105000002', app('SB20260105000002', 'completed', {
      timeline: TIMELINE, rating: { score: 5, comment: '' }, result: { filename: '参保证明.pdf', content_type: 'application/pdf' },
    }));
    const wrapper = await mountPage(Detail, { number: 'SB20260105000002' });
    expect(wrapper.find('.result-name').text()).toBe('参保证明.pdf');
    await wrapper.find('.result-download').trigger('click');
    await settle();
    expect(fakeModule.downloadFile).toHaveBeenCalledWith('/api/v1/applications/SB20260105000002/result');
    expect(fakeModule.openDownloaded).toHaveBeenCalledWith('blob:result', 'application/pdf', '参保证明.pdf');
  });

  test('someone else\'s or a missing application shows the server message', async () => {
    on('GET', '/api/v1/applications/SB20260105000009', apiError(404, 'application.not_found', '办件不存在'));
    const wrapper = await mountPage(Detail, { number: 'SB20260105000009' });
    expect(wrapper.find('.detail-error').text()).toBe('办件不存在');
    on('GET', '/api/v1/applications/SB20260105000009', app('SB20260105000009', 'submitted', { timeline: TIMELINE.slice(0, 1) }));
    await fire(wrapper, 'onPullDownRefresh');
    expect(wrapper.find('.detail-state').text()).toBe('已提交');
    expect(uni.stopPullDownRefresh).toHaveBeenCalled();
  });
});
