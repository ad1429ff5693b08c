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

const CHOICES = {
  levels: { very_satisfied: '非常满意', satisfied: '满意', basically_satisfied: '基本满意', dissatisfied: '不满意', very_dissatisfied: '非常不满意' },
  reasons: { slow: '办理时间长', attitude: '服务态度差', many_trips: '多次跑腿', unclear: '告知不清楚', extra_materials: '要求额外材料',
    system: '系统操作不便', result: '对办理结果不满意', other: '其他' },
};
const TICKET = {
  id: '0123456789abcdef01234567', number: 'SB20260105000002', item_name: '社保卡挂失补换', department: 'rsj', state: 'open',
  rating: { level: 'very_dissatisfied', label: '非常不满意', reasons: ['slow'], reason_labels: ['办理时间长'], comment: '跑了三次' },
  opened_at: '2026-01-05T02:30:00+00:00', due_date: '2026-01-12', due_provisional: false, callbacks: [], resolution: null,
  closed_at: null, on_time: null, verdict: null,
};

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

  test('rating a completed application: the five levels by name, comment, server errors shown', async () => {
    on('GET', '/api/v1/applications/SB20260105000002', app('SB20260105000002', 'completed', {
      timeline: TIMELINE, rating: null, result: { filename: '参保证明.pdf', content_type: 'application/pdf' },
    }));
    on('GET', '/api/v1/ratings/choices', { levels: CHOICES.levels, reasons: CHOICES.reasons });
    on('POST', '/api/v1/applications/SB20260105000002/rating', apiError(409, 'application.already_rated', '已评价过'));
    const wrapper = await mountPage(Detail, { number: 'SB20260105000002' });
    expect(texts(wrapper, '.detail-rating .level .choice-name')).toEqual(['非常满意', '满意', '基本满意', '不满意', '非常不满意']);
    expect(wrapper.find('.levels').attributes('role')).toBe('radiogroup');
    expect(wrapper.findAll('.level[role="radio"][tabindex="0"]')).toHaveLength(5);
    await wrapper.find('.rating-submit').trigger('click');
    expect(wrapper.find('.detail-rating .field-error').text()).toBe('请选择评价等级');
    expect(callsTo('POST', '/api/v1/applications/SB20260105000002/rating')).toHaveLength(0);
    await wrapper.find('.level[data-level="satisfied"]').trigger('click');
    expect(wrapper.find('.level[data-level="satisfied"]').attributes('aria-checked')).toBe('true');
    expect(wrapper.find('.reasons').exists()).toBe(false); // a good level needs no reason
    await wrapper.find('.rating-comment').setValue('办得很快');
    await wrapper.find('.rating-submit').trigger('click');
    await settle();
    expect(callsTo('POST', '/api/v1/applications/SB20260105000002/rating')[0].body).toEqual({ level: 'satisfied', comment: '办得很快' });
    expect(wrapper.find('.rating-error').text()).toBe('已评价过');

    on('POST', '/api/v1/applications/SB20260105000002/rating', app('SB20260105000002', 'completed', {
      timeline: TIMELINE, rating: { level: 'satisfied', score: 4, reasons: [], comment: '办得很快' },
      result: { filename: '参保证明.pdf', content_type: 'application/pdf' },
    }));
    await wrapper.find('.rating-submit').trigger('click');
    await settle();
    expect(wrapper.find('.detail-rating').exists()).toBe(false);
    expect(wrapper.find('.rated-level').text()).toBe('满意');
    expect(wrapper.find('.detail-rated').text()).toContain('办得很快');
    expect(wrapper.find('.detail-ticket').exists()).toBe(false);
    expect(callsTo('GET', '/api/v1/applications/SB20260105000002/ticket')).toHaveLength(0);
  });

  test('a low level asks for reasons and words before sending, then shows the ticket and takes the verdict', async () => {
    const number = 'SB20260105000002';
    on('GET', `/api/v1/applications/${number}`, app(number, 'completed', { timeline: TIMELINE, rating: null }));
    on('GET', '/api/v1/ratings/choices', { levels: CHOICES.levels, reasons: CHOICES.reasons });
    const wrapper = await mountPage(Detail, { number });
    await wrapper.find('.level[data-level="very_dissatisfied"]').trigger('click');
    expect(wrapper.findAll('.reason[role="checkbox"]')).toHaveLength(8);
    expect(wrapper.find('.rating-comment').attributes('aria-label')).toBe('具体情况（必填）');
    await wrapper.find('.rating-submit').trigger('click');
    expect(wrapper.find('.reasons-error').text()).toBe('请选择不满意的原因（可多选）');
    expect(wrapper.find('.comment-error').text()).toBe('请写明不满意的具体情况');
    expect(wrapper.find('.rating-error').text()).toBe('请按提示补充后再提交');
    expect(callsTo('POST', `/api/v1/applications/${number}/rating`)).toHaveLength(0);

    await wrapper.find('.reason[data-reason="slow"]').trigger('click');
    await wrapper.find('.reason[data-reason="attitude"]').trigger('click');
    await wrapper.find('.reason[data-reason="attitude"]').trigger('click'); // unticked again
    expect(wrapper.find('.reason[data-reason="slow"]').attributes('aria-checked')).toBe('true');
    expect(wrapper.find('.reason[data-reason="attitude"]').attributes('aria-checked')).toBe('false');
    await wrapper.find('.rating-comment').setValue('   ');
    // the server's 422 still shows, beside its field
    on('POST', `/api/v1/applications/${number}/rating`, apiError(422, 'validation', '请求参数有误', { comment: ['请写明不满意的具体情况'] }));
    await wrapper.find('.rating-comment').setValue('跑了三次');
    await wrapper.find('.rating-submit').trigger('click');
    await settle();
    expect(callsTo('POST', `/api/v1/applications/${number}/rating`)[0].body).toEqual({ level: 'very_dissatisfied', reasons: ['slow'], comment: '跑了三次' });
    expect(wrapper.find('.rating-error').text()).toBe('请求参数有误');
    expect(wrapper.find('.comment-error').text()).toBe('请写明不满意的具体情况');

    const rating = { level: 'very_dissatisfied', score: 1, reasons: ['slow'], comment: '跑了三次' };
    on('POST', `/api/v1/applications/${number}/rating`, app(number, 'completed', { timeline: TIMELINE, rating }));
    on('GET', `/api/v1/applications/${number}/ticket`, TICKET);
    await wrapper.find('.rating-submit').trigger('click');
    await settle();
    expect(wrapper.find('.rated-level').text()).toBe('非常不满意');
    expect(wrapper.find('.rated-reasons').text()).toBe('原因：办理时间长');
    expect(wrapper.find('.ticket-state').text()).toBe('整改中');
    expect(wrapper.find('.ticket-due').text()).toBe('2026-01-12');
    expect(wrapper.find('.ticket-no-callback').exists()).toBe(true);
    expect(wrapper.find('.verdict-solved').exists()).toBe(false);

    const closed = {
      ...TICKET, state: 'closed', closed_at: '2026-01-06T03:00:00+00:00',
      callbacks: [{ called_at: '2026-01-05T10:00:00+08:00', result: '已电话致歉，了解情况', by: 'processor.rsj' }],
      resolution: { outcome: 'rectified', text: '窗口增加一人，材料一次告知', at: '2026-01-06T03:00:00+00:00' },
    };
    on('GET', `/api/v1/applications/${number}`, app(number, 'completed', { timeline: TIMELINE, rating }));
    on('GET', `/api/v1/applications/${number}/ticket`, closed);
    const again = await mountPage(Detail, { number });
    expect(again.find('.ticket-state').text()).toBe('部门已答复，请您确认');
    expect(again.find('.callback-time').text()).toBe('2026-01-05 10:00');
    expect(again.find('.callback-result').text()).toBe('已电话致歉，了解情况');
    expect(again.find('.answer-outcome').text()).toBe('已整改');
    expect(again.find('.answer-text').text()).toBe('窗口增加一人，材料一次告知');
    on('POST', `/api/v1/applications/${number}/ticket/verdict`, apiError(409, 'ticket.state', '整改工单状态已变化'));
    await again.find('.verdict-solved').trigger('click');
    await settle();
    expect(again.find('.verdict-error').text()).toBe('整改工单状态已变化');
    on('POST', `/api/v1/applications/${number}/ticket/verdict`, { ...closed, verdict: { solved: true, comment: '', at: '2026-01-06T04:00:00+00:00' } });
    await again.find('.verdict-solved').trigger('click');
    await settle();
    expect(callsTo('POST', `/api/v1/applications/${number}/ticket/verdict`).at(-1).body).toEqual({ solved: true, comment: '' });
    expect(again.find('.ticket-state').text()).toBe('已解决');
    expect(again.find('.ticket-verdict').text()).toBe('您已确认：已解决');
    expect(again.find('.verdict-solved').exists()).toBe(false);
  });

  test('not solved: the verdict goes back with the comment and the ticket reopens', async () => {
    const number = 'SB20260105000002';
    const rating = { level: 'dissatisfied', score: 2, reasons: ['result'], comment: '不给办' };
    const closed = { ...TICKET, state: 'closed', callbacks: [{ called_at: '2026-01-05T10:00:00+08:00', result: '已回访' }],
      resolution: { outcome: 'explained', text: '依规不予办理', at: '2026-01-06T03:00:00+00:00' } };
    on('GET', `/api/v1/applications/${number}`, app(number, 'completed', { timeline: TIMELINE, rating }));
    on('GET', `/api/v1/applications/${number}/ticket`, closed);
    on('POST', `/api/v1/applications/${number}/ticket/verdict`, { ...closed, state: 'open', closed_at: null, verdict: { solved: false, comment: '还是不清楚' } });
    const wrapper = await mountPage(Detail, { number });
    expect(wrapper.find('.answer-outcome').text()).toBe('作出说明');
    await wrapper.find('.verdict-comment').setValue('还是不清楚');
    await wrapper.find('.verdict-unsolved').trigger('click');
    await settle();
    expect(callsTo('POST', `/api/v1/applications/${number}/ticket/verdict`)[0].body).toEqual({ solved: false, comment: '还是不清楚' });
    expect(wrapper.find('.ticket-state').text()).toBe('您反馈未解决，部门重新整改中');
    expect(wrapper.find('.verdict-unsolved').exists()).toBe(false);
  });

  test('downloads the result document through the authenticated download', async () => {
    on('GET', '/api/v1/applications/SB20260105000002', app('SB20260105000002', 'completed', {
      timeline: TIMELINE, rating: { level: 'very_satisfied', score: 5, reasons: [], comment: '' }, result: { filename: '参保证明.pdf', content_type: 'application/pdf' },
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
