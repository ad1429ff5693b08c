import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

import { APPLICATION_STATE_LABELS, applicationStateLabel, formatDateTime, maskPhone } from '../src/common/format.js';

test('maskPhone hides the middle four digits', () => {
  assert.equal(maskPhone('13812345678'), '138****5678');
  assert.equal(maskPhone(13812345678), '138****5678');
  assert.equal(maskPhone(' 13812345678 '), '138****5678');
  assert.equal(maskPhone('138****5678'), '138****5678'); // already masked by the server
  assert.equal(maskPhone(''), '');
  assert.equal(maskPhone(null), '');
  assert.equal(maskPhone('12345'), '12345');
});

test('formatDateTime shows Beijing time, crossing the UTC date boundary', () => {
  assert.equal(formatDateTime('2024-03-01T18:30:00Z'), '2024-03-02 02:30');
  assert.equal(formatDateTime('2023-12-31T16:00:00+00:00'), '2024-01-01 00:00');
  assert.equal(formatDateTime('2024-02-28T20:05:59.999Z'), '2024-02-29 04:05'); // leap day
  assert.equal(formatDateTime('2024-03-02T02:30:00+08:00'), '2024-03-02 02:30');
  assert.equal(formatDateTime('2024-03-01T10:00:00-05:00'), '2024-03-01 23:00');
});

test('formatDateTime reads offset-less timestamps as UTC and accepts Date and epoch ms', () => {
  assert.equal(formatDateTime('2024-03-01T18:30:00'), '2024-03-02 02:30');
  assert.equal(formatDateTime('2024-03-01 18:30:00'), '2024-03-02 02:30');
  assert.equal(formatDateTime(new Date('2024-03-01T18:30:00Z')), '2024-03-02 02:30');
  assert.equal(formatDateTime(Date.UTC(2024, 0, 1, 0, 0)), '2024-01-01 08:00');
  assert.equal(formatDateTime('not a date'), '');
  assert.equal(formatDateTime(null), '');
  assert.equal(formatDateTime(''), '');
});

test('formatDateTime does not depend on the machine time zone', () => {
  const url = new URL('../src/common/format.js', import.meta.url).href;
  const script = `import(${JSON.stringify(url)}).then((m) => process.stdout.write(
    [m.formatDateTime('2024-03-01T18:30:00Z'), m.formatDateTime('2024-03-01T18:30:00')].join('|')))`;
  for (const tz of ['UTC', 'America/New_York', 'Asia/Shanghai', 'Pacific/Kiritimati']) {
    const out = execFileSync(process.execPath, ['-e', script], { env: { ...process.env, TZ: tz } }).toString();
    assert.equal(out, '2024-03-02 02:30|2024-03-02 02:30', tz);
  }
});

test('applicationStateLabel maps every state and passes unknown ones through', () => {
  const expected = {
    submitted: '已提交',
    accepted: '已受理',
    refused: '不予受理',
    in_review: '审核中',
    supplement_required: '待补正',
    resubmitted: '已补正',
    approved: '已准予',
    denied: '不予批准',
    withdrawn: '已撤回',
    completed: '已办结',
  };
  for (const [state, label] of Object.entries(expected)) assert.equal(applicationStateLabel(state), label);
  assert.deepEqual({ ...APPLICATION_STATE_LABELS }, expected);
  assert.equal(applicationStateLabel('archived'), 'archived');
  assert.equal(applicationStateLabel('toString'), 'toString'); // not an inherited property
  assert.equal(applicationStateLabel(undefined), undefined);
});
