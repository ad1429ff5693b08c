import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  canRate, canSupplement, canWithdraw, dueView, listRow, mergePage, ratingLabel, stateTone, supplementRequest,
  timelineView,
} from '../src/common/applications.js';

const event = (action, from, to, role, at, comment = '') => ({ action, from, to, role, actor: 'x', at, comment });

test('the timeline is newest first, in Beijing time, with Chinese states; staff claims are left out', () => {
  const view = timelineView([
    event('submit', null, 'submitted', 'resident', '2026-01-05T15:59:00Z'),
    event('claim', 'submitted', 'submitted', 'staff', '2026-01-05T16:00:00Z'),
    event('accept', 'submitted', 'accepted', 'staff', '2026-01-05T16:01:00+00:00', '材料齐全'),
  ]);
  assert.deepEqual(view.map((e) => [e.title, e.action, e.by, e.time, e.comment]), [
    ['已受理', '部门受理', '工作人员', '2026-01-06 00:01', '材料齐全'],
    ['已提交', '提交申请', '本人', '2026-01-05 23:59', ''],
  ]);
  assert.deepEqual(timelineView(undefined), []);
});

test('due date: provisional note, overdue only while open', () => {
  assert.deepEqual(dueView({ state: 'accepted', due_date: '2026-01-19', overdue: false }), { text: '2026-01-19', notice: '' });
  assert.equal(dueView({ state: 'in_review', due_date: '2026-01-19', overdue: true }).notice, '已超过承诺办结日期，部门正在加快办理');
  assert.equal(dueView({ state: 'completed', due_date: '2026-01-19', overdue: true }).notice, '');
  assert.equal(dueView({ state: 'submitted', due_date: '2027-01-04', due_provisional: true }).text, '2027-01-04（预计，以节假日安排为准）');
  assert.equal(dueView(null).text, '—');
});

test('what the resident may do now', () => {
  assert.ok(canWithdraw({ state: 'submitted', allowed_actions: ['withdraw', 'accept'] }));
  assert.ok(!canWithdraw({ state: 'in_review', allowed_actions: ['approve'] }));
  assert.ok(canSupplement({ state: 'supplement_required' }));
  assert.ok(!canSupplement({ state: 'resubmitted' }));
  assert.ok(canRate({ state: 'completed', rating: null }));
  assert.ok(!canRate({ state: 'completed', rating: { score: 5 } }));
  assert.ok(!canRate({ state: 'approved', rating: null }));
});

test('the latest supplement request is what the department asked for', () => {
  const app = { timeline: [
    event('request_supplement', 'in_review', 'supplement_required', 'staff', '2026-01-05T00:00:00Z', '第一次'),
    event('resubmit', 'supplement_required', 'resubmitted', 'resident', '2026-01-06T00:00:00Z'),
    event('request_supplement', 'in_review', 'supplement_required', 'staff', '2026-01-07T00:00:00Z', '照片不清晰'),
  ] };
  assert.equal(supplementRequest(app), '照片不清晰');
  assert.equal(supplementRequest({ timeline: [] }), '');
});

test('list rows, tones, rating labels and page merging', () => {
  const row = listRow({ number: 'N1', item_name: '社保卡申领', state: 'supplement_required', submitted_at: '2026-01-05T02:30:00Z', due_date: '2026-01-19', overdue: true });
  assert.deepEqual(row, { number: 'N1', name: '社保卡申领', state: 'supplement_required', stateLabel: '待补正', tone: 'warn', submitted: '2026-01-05 10:30', due: '2026-01-19', overdue: true });
  assert.equal(listRow({ number: 'N2', item_code: 'SB0009', state: 'denied', overdue: true }).overdue, false);
  assert.equal(stateTone('completed'), 'ok');
  assert.equal(stateTone('refused'), 'bad');
  assert.equal(stateTone('submitted'), 'info');
  assert.equal(ratingLabel(5), '非常满意');
  assert.equal(ratingLabel(0), '');
  assert.deepEqual(mergePage([{ number: 'a' }, { number: 'b' }], [{ number: 'b' }, { number: 'c' }]).map((a) => a.number), ['a', 'b', 'c']);
});
