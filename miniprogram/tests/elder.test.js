import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ELDER_KEY, LARGE_SYSTEM_FONT, elderShortcuts, promiseLabel, readElder, unreadBadge, writeElder } from '../src/common/elder.js';
import { iconName, svgDataUri } from '../src/common/icons.js';
import { keyActivates } from '../src/keyboard.js';
import { nextSteps, stepperView } from '../src/common/applications.js';

function memory() {
  const kept = {};
  return { kept, getStorageSync: (k) => (k in kept ? kept[k] : ''), setStorageSync: (k, v) => { kept[k] = v; } };
}

test('长辈版 is kept per device and reads as off unless stored true', () => {
  const s = memory();
  assert.equal(readElder(s), false);
  writeElder(s, true);
  assert.equal(s.kept[ELDER_KEY], true);
  assert.equal(readElder(s), true);
  writeElder(s, false);
  assert.equal(readElder(s), false);
  assert.equal(readElder({ getStorageSync: () => { throw new Error('x'); } }), false);
});

test("WeChat's enlarged font turns 长辈版 on until the resident chooses on this device", () => {
  const s = memory();
  assert.equal(readElder(s, 17), false); // 标准
  assert.equal(readElder(s, LARGE_SYSTEM_FONT), true);
  writeElder(s, false); // the resident's own choice wins
  assert.equal(readElder(s, 24), false);
  writeElder(s, true);
  assert.equal(readElder(s, 0), true);
});

test('the simplified home takes the first item entries, once each', () => {
  const sections = [
    { entries: [{ type: 'item', item_code: 'A', title: 'a' }, { type: 'link', url: 'u', title: 'l' }, { type: 'item', item_code: 'B', title: 'b' }] },
    { entries: [{ type: 'item', item_code: 'A', title: 'a' }, { type: 'item', item_code: 'C', title: 'c' }] },
  ];
  assert.deepEqual(elderShortcuts(sections, 2).map((e) => e.item_code), ['A', 'B']);
  assert.deepEqual(elderShortcuts(sections).map((e) => e.item_code), ['A', 'B', 'C']);
  assert.deepEqual(elderShortcuts(null), []);
});

test('unread badge text and label', () => {
  assert.deepEqual(unreadBadge(0), { text: '', label: '' });
  assert.deepEqual(unreadBadge(3), { text: '3', label: '3 条未读' });
  assert.deepEqual(unreadBadge(120), { text: '99+', label: '120 条未读' });
});

test('instant items say 即办', () => {
  assert.equal(promiseLabel(0), '即办');
  assert.equal(promiseLabel(10), '承诺 10 个工作日');
  assert.equal(promiseLabel(null), '');
});

test('icons: the catalog slug first, then words of the title, then the default', () => {
  assert.equal(iconName({ icon: 'hospital', title: '医保' }), 'hospital');
  assert.equal(iconName({ icon: 'default', title: '违法查询' }), 'triangle-alert');
  assert.equal(iconName({ title: '其他' }), 'file-text');
  const uri = svgDataUri('<!-- x --><svg stroke="currentColor"></svg>', '#0958d9');
  assert.ok(uri.startsWith('data:image/svg+xml'));
  assert.ok(decodeURIComponent(uri).includes('stroke="#0958d9"'));
  assert.ok(!decodeURIComponent(uri).includes('<!--'));
});

test('keys that operate a role', () => {
  assert.equal(keyActivates('button', 'Enter'), true);
  assert.equal(keyActivates('button', ' '), true);
  assert.equal(keyActivates('link', ' '), false);
  assert.equal(keyActivates(null, 'Enter'), false);
});

test('the stepper shows the steps to come', () => {
  const steps = stepperView({ state: 'submitted', due_date: '2026-12-20', timeline: [] });
  assert.deepEqual(steps.map((s) => s.status), ['done', 'current', 'todo', 'todo', 'todo']);
  assert.equal(steps[4].hint, '承诺 2026-12-20 前办结');
  assert.deepEqual(stepperView({ state: 'completed' }).map((s) => s.status), ['done', 'done', 'done', 'done', 'done']);
  const refused = stepperView({ state: 'refused' });
  assert.deepEqual(refused.map((s) => s.status), ['done', 'stopped', 'todo', 'todo', 'todo']);
  assert.equal(refused[1].title, '不予受理');
  const withdrawn = stepperView({ state: 'withdrawn', timeline: [{ action: 'submit', to: 'submitted' }, { action: 'accept', to: 'accepted' }, { action: 'withdraw', to: 'withdrawn' }] });
  assert.deepEqual(withdrawn.map((s) => s.status), ['done', 'done', 'stopped', 'todo', 'todo']);
  assert.equal(stepperView({ state: 'supplement_required' })[2].title, '待补正材料');
});

test('what happens next says by when', () => {
  assert.match(nextSteps({ due_date: '2026-12-20' }, 10)[1].text, /承诺 10 个工作日内办结，即 2026-12-20 前/);
  assert.match(nextSteps({}, 0)[1].text, /即办/);
  assert.equal(nextSteps({}, null)[1].text, '部门审核办理。');
});
