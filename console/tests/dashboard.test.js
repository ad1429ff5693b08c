import test from 'node:test';
import assert from 'node:assert/strict';
import { arrivalBars, departmentStates, deliveryWindow, loginSeries, overdueRows, presetRange, rangeError, ratingBars,
  tiles } from '../js/dashboard.js';

// Shaped like GET /api/v1/admin/dashboard (models/dashboard.summary).
const dept = (department, name, byState, extra = {}) => ({ department, name, total: Object.values(byState).reduce((a, b) => a + b, 0),
  by_state: byState, finished: 0, on_time: 0, on_time_rate: null, overdue: 0, ratings: 0, rating_average: null, ...extra });
const summary = {
  from: '2026-01-28', to: '2026-02-02', today: '2026-02-02',
  applications: { total: 6, by_state: { submitted: 3, completed: 2, in_review: 1 }, finished: 2, on_time: 1, on_time_rate: 0.5, overdue: 1 },
  departments: [dept('rsj', '市人力资源和社会保障局', { submitted: 2, completed: 2 }, { finished: 2, on_time: 1, on_time_rate: 0.5, overdue: 1 }),
    dept('ybj', '市医疗保障局', { submitted: 1, in_review: 1 }), dept('jj', '市公安局交通警察支队', {})],
  overdue: [{ number: 'BJ20260120000001', item_name: '社保卡挂失补换', department: 'rsj', department_name: '市人力资源和社会保障局',
    state: 'in_review', due_date: '2026-01-30', days_overdue: 3, submitted_at: '2026-01-20T02:00:00+00:00', assignee: 'processor.rsj' }],
  ratings: { count: 2, average: 3.5, good_rate: 0.5, distribution: { 1: 0, 2: 1, 3: 0, 4: 0, 5: 1 } },
  logins: { by_channel: { wechat: 3, app: 1 }, by_day: [{ date: '2026-01-29', wechat: 2 }, { date: '2026-02-02', wechat: 1, app: 1 }] },
};
// Shaped like GET /api/v1/admin/deliveries/stats (models/delivery_stats.summarize).
const figures = (f) => ({ sent: f.total, sending: 0, accepted: 0, delivered: 0, failed: {}, finished: f.total, reported: f.total,
  receipts: true, acceptance_rate: null, arrival_rate: null, within_10s: null, latency_ms: { p50: null, p95: null }, ...f });
const stats = {
  channels: {
    alipay: figures({ total: 2, accepted: 2, reported: 0, receipts: false, acceptance_rate: 1 }),
    inbox: figures({ total: 5, delivered: 5, acceptance_rate: 1, arrival_rate: 1, within_10s: 1, latency_ms: { p50: 3.2, p95: 8 } }),
    sms: figures({ total: 1, sent: 0, sending: 1, finished: 0, reported: 0 }),
    wechat: figures({ total: 4, accepted: 1, delivered: 2, failed: { 'permanent-failure': { 'wechat-sent-event 43101 user refused': 1 } },
      acceptance_rate: 0.75, arrival_rate: 0.5, within_10s: 0.25, latency_ms: { p50: 120, p95: 300 } }),
  },
};
// the server's total: the same records as the rows, inbox left out
stats.total = figures({ total: 7, accepted: 3, delivered: 2, failed: stats.channels.wechat.failed, finished: 6, reported: 4,
  acceptance_rate: 5 / 6, arrival_rate: 0.5, within_10s: 0.25 });

test('date ranges in Beijing days', () => {
  assert.deepEqual(presetRange(30, '2026-03-01'), { from: '2026-01-31', to: '2026-03-01' });
  assert.deepEqual(presetRange(7, '2026-03-01'), { from: '2026-02-23', to: '2026-03-01' });
  assert.equal(rangeError('2026-03-01', '2026-02-01'), '开始日期应不晚于结束日期');
  assert.equal(rangeError('2025-01-01', '2026-01-02'), '统计区间最长 366 天'); // 367 days, as the server counts
  assert.equal(rangeError('2025-01-01', '2026-01-01'), ''); // 366 days
  assert.equal(rangeError('2025-01-02', '2026-01-02'), '');
  assert.equal(rangeError('', '2026-01-02'), '请选择开始和结束日期');
  assert.deepEqual(deliveryWindow('2026-01-28', '2026-02-02'), { from: '2026-01-28T00:00:00+08:00', to: '2026-02-03T00:00:00+08:00' });
});

test('KPI tiles', () => {
  const t = Object.fromEntries(tiles(summary, stats).map((x) => [x.key, x]));
  assert.equal(t.total.value, '6');
  assert.equal(t.on_time.value, '50.0%');
  assert.equal(t.on_time.hint, '按时办结 1 / 2 件');
  assert.equal(t.overdue.value, '1');
  assert.equal(t.overdue.alert, true);
  assert.equal(t.backlog, undefined); // a server without the figure: no tile
  assert.equal(t.rating.value, '3.50 分');
  assert.match(t.rating.hint, /好评率 50.0%/);
  assert.equal(t.arrival.value, '50.0%');
  assert.equal(t.arrival.hint, '按回执 2 / 4 条送达；平台受理率 83.3%，10 秒内送达 25.0%（站内消息不计）');
  const onlyAlipay = { channels: { alipay: stats.channels.alipay }, total: stats.channels.alipay };
  const alipay = Object.fromEntries(tiles(summary, onlyAlipay).map((x) => [x.key, x])).arrival;
  assert.deepEqual([alipay.value, alipay.hint], ['无回执', '平台受理率 100.0%（支付宝不提供送达回执）']);
  const none = Object.fromEntries(tiles(summary, { channels: {}, total: figures({ total: 0, finished: 0 }) }).map((x) => [x.key, x]));
  assert.deepEqual([none.arrival.value, none.arrival.hint], ['—', '区间内暂无消息']);
});

test('null rates show as "—", and a missing delivery figure says so', () => {
  const empty = { ...summary, applications: { total: 0, by_state: {}, finished: 0, on_time: 0, on_time_rate: null, overdue: 0 },
    ratings: { count: 0, average: null, good_rate: null, distribution: {} } };
  const t = Object.fromEntries(tiles(empty, null).map((x) => [x.key, x]));
  assert.equal(t.on_time.value, '—');
  assert.equal(t.rating.value, '—');
  assert.equal(t.arrival.value, '—');
  assert.equal(t.arrival.hint, '推送统计暂不可用');
  assert.equal(t.overdue.alert, false);
  const withBacklog = { ...empty, applications: { ...empty.applications,
    backlog: { to_accept: 2, in_review: 1, to_supplement: 3 } } };
  const b = tiles(withBacklog, null).find((x) => x.key === 'backlog');
  assert.deepEqual([b.value, b.hint], ['6', '待受理 2 件，审核中 1 件，待补正 3 件']);
});

test('办件 by state per department as stacked series', () => {
  const chart = departmentStates(summary);
  assert.deepEqual(chart.labels, ['市人力资源和社会保障局', '市医疗保障局', '市公安局交通警察支队']);
  assert.deepEqual(chart.datasets.map((d) => d.label), ['已提交', '审核中', '已办结']);
  assert.deepEqual(chart.datasets.map((d) => d.data), [[2, 1, 0], [0, 1, 0], [2, 0, 0]]);
  assert.ok(chart.datasets.every((d) => d.stack === 'state'));
  assert.equal(chart.empty, false);
});

test('logins per channel for every day of the range', () => {
  const chart = loginSeries(summary);
  assert.deepEqual(chart.labels, ['01-28', '01-29', '01-30', '01-31', '02-01', '02-02']);
  const byLabel = Object.fromEntries(chart.datasets.map((d) => [d.label, d.data]));
  assert.deepEqual(byLabel['微信'], [0, 2, 0, 0, 0, 1]);
  assert.deepEqual(byLabel.App, [0, 0, 0, 0, 0, 1]);
  assert.deepEqual(byLabel['支付宝'], [0, 0, 0, 0, 0, 0]);
});

test('ratings and 到达率 bars', () => {
  assert.deepEqual(ratingBars(summary).datasets[0].data, [0, 1, 0, 0, 1]);
  const arrival = arrivalBars(stats);
  assert.deepEqual(arrival.labels, ['支付宝', '站内消息', '短信', '微信']);
  assert.deepEqual(arrival.datasets.map((d) => d.data), [[100, 100, null, 75], [null, 100, null, 50]]);
  assert.deepEqual(arrival.rows.map((r) => [r.channel, r.acceptance, r.rate, r.fast, r.failed]), [
    ['支付宝', '100.0%', '无回执', '—', '0'], ['站内消息', '100.0%', '100.0%', '100.0%', '0'], ['短信', '—', '—', '—', '0'],
    ['微信', '75.0%', '50.0%', '25.0%', '1']]);
  assert.deepEqual([arrival.total.channel, arrival.total.rate, arrival.total.delivered, arrival.total.failed],
    ['合计（不含站内消息）', '50.0%', '2', '1']);
  // the tile shows the total row's 到达率
  const tile = Object.fromEntries(tiles(summary, stats).map((x) => [x.key, x])).arrival;
  assert.equal(tile.value, arrival.total.rate);
  assert.equal(arrivalBars(null).empty, true);
});

test('overdue rows in Chinese and Beijing time', () => {
  assert.deepEqual(overdueRows(summary), [{ number: 'BJ20260120000001', item: '社保卡挂失补换', department: '市人力资源和社会保障局',
    state: '审核中', due: '2026-01-30', days: 3, submitted: '2026-01-20 10:00', assignee: 'processor.rsj' }]);
  assert.equal(overdueRows({ overdue: [{ ...summary.overdue[0], assignee: null }] })[0].assignee, '未认领');
});
