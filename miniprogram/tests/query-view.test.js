import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  contributionMonths, fieldLabel, genericView, pageUrl, queryMode, safeRedirect, staleMinutes,
  staleNotice, validIdNumber, violationsView, yearOptions,
} from '../src/common/query-view.js';

test('queryMode prefers the query key and falls back to the item code', () => {
  assert.equal(queryMode('SB0002'), 'year');
  assert.equal(queryMode('SB0003'), 'year');
  assert.equal(queryMode('JT0001'), 'vehicle');
  assert.equal(queryMode('JT0010'), 'vehicle');
  assert.equal(queryMode('SB0001'), 'person');
  assert.equal(queryMode('XX9999', 'sb.contributions'), 'year');
  assert.equal(queryMode('XX9999', 'jj.vehicle_inspection'), 'vehicle');
  assert.equal(queryMode('JT0009', 'jj.licence_status'), 'person');
  assert.equal(queryMode('YB0002', 'yb.account_records'), 'year');
  assert.equal(queryMode('YB0002'), 'year');
  assert.equal(queryMode('YB0001', 'yb.account'), 'person');
});

test('yearOptions counts down from this year, not before 1995', () => {
  assert.deepEqual(yearOptions(2026, 3), [2026, 2025, 2024]);
  assert.deepEqual(yearOptions(1996, 5), [1996, 1995]);
});

test('stale notice shows whole minutes, at least one', () => {
  assert.equal(staleMinutes(0), 1);
  assert.equal(staleMinutes(59), 1);
  assert.equal(staleMinutes(600), 10);
  assert.equal(staleNotice(1800), '数据更新于 30 分钟前，系统繁忙，稍后将自动更新');
});

test('pageUrl and safeRedirect round-trip a page with its query', () => {
  const url = pageUrl('/pages/query/query', { code: 'SB0002', year: 2024, plate: '' });
  assert.equal(url, 'pages/query/query?code=SB0002&year=2024');
  const routes = ['pages/query/query', 'pages/index/index'];
  assert.equal(safeRedirect(encodeURIComponent(url), routes), '/pages/query/query?code=SB0002&year=2024');
  assert.equal(safeRedirect(url, routes), '/pages/query/query?code=SB0002&year=2024');
  assert.equal(safeRedirect('/pages/index/index', routes), '/pages/index/index');
  assert.equal(safeRedirect('pages/other/other', routes), null);
  assert.equal(safeRedirect('https://evil.example/pages/x', routes), null);
  assert.equal(safeRedirect('pages/../x', null), null);
  assert.equal(safeRedirect('', routes), null);
  assert.equal(safeRedirect(undefined, routes), null);
});

test('validIdNumber checks length, format and the GB 11643 check character', () => {
  assert.equal(validIdNumber('11010519491231002X'), true);
  assert.equal(validIdNumber('11010519491231002x'), true);
  assert.equal(validIdNumber('110105194912310021'), false); // wrong check character
  assert.equal(validIdNumber('11010519491231002'), false);
  assert.equal(validIdNumber(''), false);
});

test('genericView turns scalars into fields and lists of objects into rows', () => {
  const view = genericView({
    plate: '浙A12345',
    retired: true,
    issued_on: null,
    extra: { level: 3 },
    violations: [{ time: '2024-01-01', points: 3 }],
    tags: ['a', 'b'],
  });
  assert.deepEqual(view.fields.map((f) => [f.label, f.value]), [
    ['号牌号码', '浙A12345'], ['已退休', '是'], ['发卡日期', '—'], ['extra · 等级', '3'], ['tags', 'a、b'],
  ]);
  assert.equal(view.lists.length, 1);
  assert.equal(view.lists[0].label, '违法记录');
  assert.deepEqual(view.lists[0].rows[0].map((f) => [f.label, f.value]), [['时间', '2024-01-01'], ['记分', '3']]);
  assert.deepEqual(genericView(null), { fields: [], lists: [] });
  assert.equal(fieldLabel('unknown_key'), 'unknown_key');
});

test('contributionMonths groups records by month and flags owing months', () => {
  const months = contributionMonths([
    { month: '2024-01', type: '养老', status: '已到账' },
    { month: '2024-01', type: '医疗', status: '已到账' },
    { month: '2024-02', type: '养老', status: '欠缴' },
  ]);
  assert.deepEqual(months.map((m) => [m.month, m.entries.length, m.owing]), [['2024-01', 2, false], ['2024-02', 1, true]]);
});

test('violations: summary of what is open, unhandled records first', () => {
  const view = violationsView({
    plate: '浙A12345',
    violations: [
      { time: '2025-10-01 08:30', place: 'P1', act: 'A1', code: '13450', points: 3, fine: '200', status: '已处理' },
      { time: '2025-09-01 19:05', place: 'P2', act: 'A2', code: '16250', points: 6, fine: '200', status: '未处理' },
      { time: '2025-08-01 07:00', place: 'P3', act: 'A3', code: '1039', points: 0, fine: '150', status: '未处理' },
    ],
    unhandled: 2,
    points_total: 9,
  });
  assert.equal(view.plate, '浙A12345');
  assert.equal(view.total, 3);
  assert.equal(view.unhandled, 2);
  assert.equal(view.points, 9);
  assert.equal(view.fineDue, 350);
  assert.deepEqual(view.records.map((r) => [r.act, r.handled, r.fine]), [['A2', false, 200], ['A3', false, 150], ['A1', true, 200]]);
  assert.deepEqual(violationsView({ plate: '浙A1', violations: [] }), { plate: '浙A1', total: 0, unhandled: 0, points: 0, fineDue: 0, records: [] });
  assert.equal(violationsView(null).total, 0);
});
