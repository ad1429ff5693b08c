// The dashboard (绩效评估): date ranges in Beijing days, and the server's figures
// (GET /api/v1/admin/dashboard, GET /api/v1/admin/deliveries/stats) shaped into tiles,
// chart data and table rows. No drawing here, so all of it is testable under node.

import { addDays, beijingDayStart, dateTime, daySeries, daysBetween, decimal, number, percent } from './format.js';

export const MAX_DAYS = 366;
export const PRESETS = [7, 30, 90];

export const STATE_NAMES = {
  submitted: '已提交', accepted: '已受理', refused: '不予受理', in_review: '审核中', approved: '已批准',
  denied: '不予批准', supplement_required: '待补正', resubmitted: '已补正', withdrawn: '已撤回', completed: '已办结',
};
export const LOGIN_CHANNELS = { wechat: '微信', alipay: '支付宝', app: 'App' };
export const DELIVERY_CHANNELS = { inbox: '站内消息', wechat: '微信', alipay: '支付宝', app: 'App 推送', sms: '短信' };
// One colour per series, stable between reloads.
export const PALETTE = ['#2f6fde', '#2fa36b', '#e0a526', '#d9534f', '#8a5cd1', '#1fa2b5', '#e36fa8', '#7a8699',
  '#b5651d', '#4b5bd6'];

export const stateName = (s) => STATE_NAMES[s] || s;

/** The last n Beijing days ending today. */
export function presetRange(days, today) {
  return { from: addDays(today, -(days - 1)), to: today };
}

/** A Chinese reason the range cannot be asked for, or ''. */
export function rangeError(from, to) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(from || '') || !/^\d{4}-\d{2}-\d{2}$/.test(to || '')) return '请选择开始和结束日期';
  if (from > to) return '开始日期应不晚于结束日期';
  if (daysBetween(from, to) >= MAX_DAYS) return `统计区间最长 ${MAX_DAYS} 天`;
  return '';
}

/** Query parameters of the delivery figures for the same Beijing days: [from 00:00, day after to 00:00). */
export function deliveryWindow(from, to) {
  return { from: beijingDayStart(from), to: beijingDayStart(addDays(to, 1)) };
}

/** The 到达率 tile: the deliveries' `total`, computed by the server from the same records as the
 * channel rows (inbox left out), so tile and rows always agree. */
function arrivalTile(stats) {
  const total = stats?.total;
  if (!stats) return { value: '—', hint: '推送统计暂不可用' };
  if (!total?.finished) return { value: '—', hint: '区间内暂无消息' };
  if (!total.reported) return { value: '无回执', hint: `平台受理率 ${percent(total.acceptance_rate)}（支付宝不提供送达回执）` };
  return { value: percent(total.arrival_rate),
    hint: `按回执 ${number(total.delivered)} / ${number(total.reported)} 条送达；平台受理率 ${percent(total.acceptance_rate)}，`
      + `10 秒内送达 ${percent(total.within_10s)}（站内消息不计）` };
}

/** The KPI tiles. `stats` (deliveries) may be null when it could not be loaded. */
export function tiles(summary, stats) {
  const a = summary.applications;
  const r = summary.ratings;
  return [
    { key: 'total', label: '办件总数', value: number(a.total), hint: `办结 ${number(a.finished)} 件` },
    { key: 'on_time', label: '按时办结率', value: percent(a.on_time_rate),
      hint: a.finished ? `按时办结 ${number(a.on_time)} / ${number(a.finished)} 件` : '区间内暂无办结' },
    { key: 'overdue', label: '逾期未办结', value: number(a.overdue), hint: '当前仍在办理且已超过承诺时限', alert: a.overdue > 0 },
    ...(a.backlog ? [{ key: 'backlog', label: '在办积压',
      value: number(a.backlog.to_accept + a.backlog.in_review + a.backlog.to_supplement),
      hint: `待受理 ${number(a.backlog.to_accept)} 件，审核中 ${number(a.backlog.in_review)} 件，待补正 ${number(a.backlog.to_supplement)} 件` }] : []),
    { key: 'rating', label: '好差评均分', value: r.average === null ? '—' : `${decimal(r.average)} 分`,
      hint: r.count ? `好评率 ${percent(r.good_rate)}，共 ${number(r.count)} 条评价` : '区间内暂无评价' },
    { key: 'arrival', label: '消息到达率', ...arrivalTile(stats) },
  ];
}

/** Stacked bars: one bar per department, one series per state that occurs. */
export function departmentStates(summary) {
  const departments = summary.departments || [];
  const states = Object.keys(STATE_NAMES).filter((s) => departments.some((d) => d.by_state?.[s]));
  for (const d of departments) for (const s of Object.keys(d.by_state || {})) if (!states.includes(s)) states.push(s);
  return {
    labels: departments.map((d) => d.name),
    datasets: states.map((s, i) => ({ label: stateName(s), data: departments.map((d) => d.by_state?.[s] || 0),
      backgroundColor: PALETTE[i % PALETTE.length], stack: 'state' })),
    empty: states.length === 0,
  };
}

/** Lines: logins per channel for every day of the range (days without logins count 0). */
export function loginSeries(summary) {
  const days = daySeries(summary.from, summary.to);
  const byDay = Object.fromEntries((summary.logins?.by_day || []).map((d) => [d.date, d]));
  const channels = Object.keys(LOGIN_CHANNELS);
  for (const c of Object.keys(summary.logins?.by_channel || {})) if (!channels.includes(c)) channels.push(c);
  return {
    labels: days.map((d) => d.slice(5)),
    datasets: channels.map((c, i) => ({ label: LOGIN_CHANNELS[c] || c, data: days.map((d) => byDay[d]?.[c] || 0),
      borderColor: PALETTE[i % PALETTE.length], backgroundColor: PALETTE[i % PALETTE.length], tension: 0.2 })),
    empty: Object.values(summary.logins?.by_channel || {}).every((n) => !n),
  };
}

/** Bars: how many ratings gave 1..5 stars. */
export function ratingBars(summary) {
  const dist = summary.ratings?.distribution || {};
  const keys = ['1', '2', '3', '4', '5'];
  return {
    labels: keys.map((k) => `${k} 星`),
    datasets: [{ label: '评价数', data: keys.map((k) => dist[k] || 0), backgroundColor: PALETTE[2] }],
    empty: !summary.ratings?.count,
  };
}

const inPercent = (rate) => (rate === null || rate === undefined ? null : Math.round(rate * 1000) / 10);
const failures = (f) => Object.values(f.failed || {}).reduce((n, reasons) => n + Object.values(reasons).reduce((a, b) => a + b, 0), 0);

function arrivalRow(name, f) {
  return { channel: name, acceptance: percent(f.acceptance_rate),
    rate: f.receipts === false ? '无回执' : percent(f.arrival_rate), fast: f.receipts === false ? '—' : percent(f.within_10s),
    accepted: number(f.accepted), delivered: number(f.delivered), failed: number(failures(f)), total: number(f.total),
    p50: f.latency_ms?.p50 ?? null, p95: f.latency_ms?.p95 ?? null };
}

/** Bars per push channel in percent: the platform's acceptance and the 到达率 by receipt (no bar
 * where nothing finished, or the platform sends no receipts). Rows: each channel, then the total
 * the tile shows (inbox left out). */
export function arrivalBars(stats) {
  const channels = Object.entries(stats?.channels || {});
  return {
    labels: channels.map(([c]) => DELIVERY_CHANNELS[c] || c),
    datasets: [
      { label: '平台受理率（%）', backgroundColor: PALETTE[0], data: channels.map(([, f]) => inPercent(f.acceptance_rate)) },
      { label: '到达率（按回执，%）', backgroundColor: PALETTE[1], data: channels.map(([, f]) => inPercent(f.arrival_rate)) },
    ],
    rows: channels.map(([c, f]) => arrivalRow(DELIVERY_CHANNELS[c] || c, f)),
    total: stats?.total ? arrivalRow('合计（不含站内消息）', stats.total) : null,
    empty: channels.length === 0,
  };
}

/** The overdue table's rows, most overdue first (the server's order). */
export function overdueRows(summary) {
  return (summary.overdue || []).map((o) => ({
    number: o.number, item: o.item_name, department: o.department_name || o.department,
    state: stateName(o.state), due: o.due_date, days: o.days_overdue, submitted: dateTime(o.submitted_at),
    assignee: o.assignee || '未认领',
  }));
}
