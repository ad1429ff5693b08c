import test from 'node:test';
import assert from 'node:assert/strict';
import { beijingIso, stepProblems, stepRequest, ticketDue, ticketSteps } from '../js/tickets.js';

test('who may take which step', () => {
  assert.deepEqual(ticketSteps({ state: 'open', appeal: null }, 'processor'), ['callback', 'close', 'appeal']);
  assert.deepEqual(ticketSteps({ state: 'open', appeal: { decision: 'rejected' } }, 'processor'), ['callback', 'close']);
  assert.deepEqual(ticketSteps({ state: 'appealed' }, 'processor'), []);
  assert.deepEqual(ticketSteps({ state: 'appealed' }, 'operator'), ['decide']);
  assert.deepEqual(ticketSteps({ state: 'open' }, 'operator'), []);
});

test('deadlines in words', () => {
  assert.equal(ticketDue({ state: 'open', due_date: '2026-01-09' }, '2026-01-10'), '已超期（应于 2026-01-09 前办结）');
  assert.equal(ticketDue({ state: 'open', due_date: '2026-01-10' }, '2026-01-10'), '今日到期');
  assert.equal(ticketDue({ state: 'closed', on_time: false }, '2026-01-10'), '超期办结');
});

test('steps: problems and requests', () => {
  assert.equal(beijingIso('2026-01-05T10:30'), '2026-01-05T10:30:00+08:00');
  assert.equal(beijingIso('x'), null);
  assert.deepEqual(stepProblems('callback', {}), { called_at: '请填写回访时间', result: '请填写回访结果' });
  assert.deepEqual(stepProblems('close', { outcome: 'rectified', text: '已改' }), {});
  assert.deepEqual(stepRequest('decide', 'abc', { decision: 'upheld', comment: ' 成立 ' }),
    ['/api/v1/admin/tickets/abc/decision', { decision: 'upheld', comment: '成立' }]);
});
