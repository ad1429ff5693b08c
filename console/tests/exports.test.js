import test from 'node:test';
import assert from 'node:assert/strict';
import { auditExportName, auditQuery, auditRangeError, browserName, loginRows, reportName } from '../js/exports.js';

test('the report and export files are named as the server names them', () => {
  assert.equal(reportName('2026-01-01', '2026-01-31'), '运营报表_2026-01-01_2026-01-31.xlsx');
  assert.equal(auditExportName('csv', '2026-02-01'), '操作日志_2026-02-01.csv');
});

test('audit filters become the query: an item code, a person, Beijing days', () => {
  assert.deepEqual(auditQuery({ target: 'item', item: ' sb0001 ', action: '', actor: ' alice ', from: '2026-01-01', to: '' }),
    { target: 'item:SB0001', action: '', actor: 'alice', from: '2026-01-01', to: '' });
  assert.equal(auditQuery({ target: 'item', item: '', action: 'x' }).target, '');
  assert.equal(auditQuery({ target: 'menu:app' }).target, 'menu:app');
  assert.equal(auditRangeError({ from: '2026-02-01', to: '2026-01-01' }), '开始日期应不晚于结束日期');
  assert.equal(auditRangeError({ from: '2026-01-01', to: '' }), '');
});

test('login records in words', () => {
  assert.equal(browserName('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36'),
    'Chrome 120');
  assert.equal(browserName('Mozilla/5.0 (iPhone) MicroMessenger/8.0.47 Safari'), '微信 8.0.47');
  assert.equal(browserName(''), '未知');
  assert.equal(browserName('curl/8.5.0'), 'curl/8.5.0');
  const [row] = loginRows([{ at: 't', outcome: 'failed', method: 'password', user_agent: '' }], (t) => `@${t}`);
  assert.deepEqual([row.when, row.result, row.failed, row.method_label, row.browser],
    ['@t', '用户名或密码错误', true, '用户名密码', '未知']);
});
