import test from 'node:test';
import assert from 'node:assert/strict';

import { beijingInstant, changeLines, decision, reviewAuditLines, reviewTitle, scheduleProblem, stateLine, unitProblems,
  unitRow } from '../js/reviews.js';
import { navFor, parseRoute } from '../js/route.js';

const menuReview = {
  kind: 'menu', target: 'alipay', state: 'pending', submitted_by: 'operator',
  body: { sections: [{ key: 'shebao', title: '社保专区', entries: [] }] },
  diff: { sections_added: [], sections_removed: [], sections_changed: [{ key: 'shebao', title_changed: true }],
    titles: { shebao: { before: '社保服务', after: '社保专区' } } },
};

test('a change is described in words', () => {
  assert.equal(reviewTitle(menuReview), '支付宝菜单');
  assert.deepEqual(changeLines(menuReview), ['栏目「社保专区」：名称由「社保服务」改为「社保专区」']);
  const item = { kind: 'item', target: 'SB0001', base_version: 3, body: { name: '社保卡申领', status: 'published' } };
  assert.equal(reviewTitle(item), '事项 SB0001 社保卡申领');
  assert.deepEqual(changeLines(item), ['修改事项，基于版本 3（发布后居民可见）']);
  assert.deepEqual(changeLines({ ...item, base_version: null, body: { status: 'draft' } }), ['新建事项']);
});

test('only a second operator decides, and only an open change', () => {
  assert.deepEqual(decision(menuReview, { username: 'operator' }),
    { allowed: false, why: '这是您提交的变更，须由另一名运营人员审核' });
  assert.deepEqual(decision(menuReview, { username: 'operator.b' }), { allowed: true, approve: true, why: '' });
  assert.equal(decision({ ...menuReview, state: 'scheduled' }, { username: 'operator.b' }).approve, false); // reject only
  assert.equal(decision({ ...menuReview, state: 'published' }, { username: 'operator.b' }).allowed, false);
});

test('states and scheduled times read in Beijing time', () => {
  assert.equal(stateLine({ state: 'scheduled', publish_at: '2026-03-01T01:00:00+00:00' }), '已定时 · 2026-03-01 09:00 发布');
  assert.equal(stateLine({ state: 'failed', error: { message: '菜单已被他人发布' } }), '发布失败：菜单已被他人发布');
  assert.equal(stateLine({ state: 'rejected', review_comment: '不规范' }), '已驳回：不规范');
  assert.equal(beijingInstant('2026-03-01T09:00'), '2026-03-01T09:00:00+08:00');
  assert.equal(beijingInstant(''), null);
  const now = Date.parse('2026-03-01T09:00:00+08:00');
  assert.equal(scheduleProblem('', now), '请选择发布时间');
  assert.equal(scheduleProblem('2026-03-01T08:59', now), '定时发布的时间须晚于现在');
  assert.equal(scheduleProblem('2026-03-01T09:30', now), '');
});

test('audit lines of a review', () => {
  assert.deepEqual(reviewAuditLines({ action: 'review.approve', details: { publish_at: '2026-03-01T01:00:00+00:00' } }),
    ['定时于 2026-03-01 09:00 发布']);
  assert.deepEqual(reviewAuditLines({ action: 'review.reject', details: { comment: '不规范' } }), ['理由：不规范']);
  assert.deepEqual(reviewAuditLines({ action: 'review.published', details: { version: 4 } }), ['版本 4']);
});

test('units: a department code is a slug, a team code its name; one with staff is not disabled', () => {
  assert.deepEqual(unitProblems('department', { code: 'sjj', name: '市场监管局' }), {});
  assert.ok(unitProblems('department', { code: 'Bad Code', name: 'x' }).code);
  assert.deepEqual(unitProblems('team', { code: '三中队', name: '' }), { name: '请填写名称' });
  assert.equal(unitRow({ active: true, staff_count: 2 }).canDisable, false);
  assert.equal(unitRow({ active: true, staff_count: 0 }).canDisable, true);
  assert.equal(unitRow({ active: false }).statusText, '已停用');
});

test('the pages: 审核发布 for operators, 部门与中队 for admins', () => {
  assert.deepEqual(parseRoute('#/reviews'), { name: 'reviews' });
  assert.deepEqual(parseRoute('#/org'), { name: 'org' });
  assert.ok(navFor({ role: 'operator' }).some((n) => n.name === 'reviews'));
  assert.ok(!navFor({ role: 'operator' }).some((n) => n.name === 'org'));
  assert.ok(navFor({ role: 'admin' }).some((n) => n.name === 'org'));
});
