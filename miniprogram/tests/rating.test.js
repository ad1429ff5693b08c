import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkRating, choicesView, levelOf, needsReason, ratedView, ratingBody, ratingErrors, ticketStateLabel, ticketView,
} from '../src/common/rating.js';

test('choices in the server\'s order, the built-in list when it is missing', () => {
  const view = choicesView({ levels: { very_satisfied: '非常满意', satisfied: '满意' }, reasons: { slow: '办理时间长' } });
  assert.deepEqual(view.levels, [{ key: 'very_satisfied', label: '非常满意' }, { key: 'satisfied', label: '满意' }]);
  assert.deepEqual(view.reasons, [{ key: 'slow', label: '办理时间长' }]);
  const fallback = choicesView(null);
  assert.deepEqual(fallback.levels.map((l) => l.label), ['非常满意', '满意', '基本满意', '不满意', '非常不满意']);
  assert.equal(fallback.reasons.length, 8);
});

test('the two low levels need reasons and words; the body carries reasons only then', () => {
  assert.ok(needsReason('dissatisfied') && needsReason('very_dissatisfied') && !needsReason('basically_satisfied'));
  assert.deepEqual(checkRating({ level: '' }), { level: '请选择评价等级' });
  assert.deepEqual(checkRating({ level: 'satisfied' }), {});
  assert.deepEqual(checkRating({ level: 'dissatisfied', reasons: [], comment: '  ' }),
    { reasons: '请选择不满意的原因（可多选）', comment: '请写明不满意的具体情况' });
  assert.deepEqual(checkRating({ level: 'dissatisfied', reasons: ['slow'], comment: '慢' }), {});
  assert.deepEqual(ratingBody({ level: 'satisfied', reasons: ['slow'], comment: ' 好 ' }), { level: 'satisfied', comment: '好' });
  assert.deepEqual(ratingBody({ level: 'dissatisfied', reasons: ['slow'], comment: '慢' }),
    { level: 'dissatisfied', reasons: ['slow'], comment: '慢' });
});

test('a 422\'s details by field; older ratings by score', () => {
  assert.deepEqual(ratingErrors({ reasons: ['请选择不满意的原因'], 'reasons.0': ['未知的原因'], comment: ['请写明'] }),
    { reasons: '请选择不满意的原因；未知的原因', comment: '请写明' });
  assert.equal(levelOf({ score: 2 }), 'dissatisfied');
  assert.equal(levelOf({ level: 'satisfied', score: 4 }), 'satisfied');
  assert.equal(levelOf(null), '');
  assert.deepEqual(ratedView({ score: 1, reasons: ['slow', 'x'], comment: '慢' }),
    { level: 'very_dissatisfied', label: '非常不满意', reasons: ['办理时间长', 'x'], comment: '慢', bad: true });
});

test('the ticket in words: state, deadline, call-backs, answer, verdict', () => {
  const open = { state: 'open', due_date: '2026-01-12', due_provisional: true, callbacks: [], resolution: null, verdict: null };
  assert.equal(ticketStateLabel(open), '整改中');
  assert.equal(ticketView(open).due, '2026-01-12（暂定）');
  assert.equal(ticketView(open).canVerdict, false);
  const closed = { ...open, state: 'closed', callbacks: [{ called_at: '2026-01-05T02:00:00+00:00', result: '已致歉' }],
    resolution: { outcome: 'rectified', text: '已改', at: '2026-01-06T02:00:00+00:00' } };
  const view = ticketView(closed);
  assert.equal(view.stateLabel, '部门已答复，请您确认');
  assert.deepEqual(view.callbacks, [{ time: '2026-01-05 10:00', result: '已致歉' }]);
  assert.deepEqual(view.answer, { outcome: '已整改', text: '已改', time: '2026-01-06 10:00' });
  assert.ok(view.canVerdict);
  const solved = ticketView({ ...closed, verdict: { solved: true, comment: '' } });
  assert.equal(solved.stateLabel, '已解决');
  assert.equal(solved.canVerdict, false);
  assert.equal(solved.verdict.label, '您已确认：已解决');
  assert.equal(ticketStateLabel({ ...closed, state: 'open', verdict: { solved: false } }), '您反馈未解决，部门重新整改中');
  assert.equal(ticketStateLabel({ state: 'appealed' }), '复核中');
  assert.equal(ticketView(null).canVerdict, false);
});
