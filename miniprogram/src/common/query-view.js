// Pure helpers for the item / query / realname pages. No platform APIs: tested with node --test.

// What a query needs besides the resident: a year (缴费记录, 医保收支明细) or a bound plate (车辆).
const YEAR_QUERIES = new Set(['sb.contributions', 'yb.account_records']);
const VEHICLE_QUERIES = new Set(['jj.vehicle_violations', 'jj.vehicle_inspection']);
const YEAR_CODES = new Set(['SB0002', 'SB0003', 'YB0002']);
const VEHICLE_CODES = new Set(['JT0001', 'JT0010']);

// 'year' | 'vehicle' | 'person'. The item's query key wins when known; the code is the fallback.
export function queryMode(code, queryKey) {
  if (queryKey) {
    if (YEAR_QUERIES.has(queryKey)) return 'year';
    if (VEHICLE_QUERIES.has(queryKey)) return 'vehicle';
    return 'person';
  }
  if (YEAR_CODES.has(code)) return 'year';
  if (VEHICLE_CODES.has(code)) return 'vehicle';
  return 'person';
}

// Years offered by the 缴费记录 picker, newest first (the server accepts 1995..).
export function yearOptions(thisYear, count = 15) {
  const years = [];
  for (let y = thisYear; y > thisYear - count && y >= 1995; y -= 1) years.push(y);
  return years;
}

export function staleMinutes(ageSeconds) {
  const seconds = Number(ageSeconds) || 0;
  return Math.max(1, Math.round(seconds / 60));
}

export function staleNotice(ageSeconds) {
  return `数据更新于 ${staleMinutes(ageSeconds)} 分钟前，系统繁忙，稍后将自动更新`;
}

// 'pages/query/query' + {code: 'SB0002', year: 2024} -> 'pages/query/query?code=SB0002&year=2024'
export function pageUrl(route, options) {
  const pairs = [];
  for (const [key, value] of Object.entries(options || {})) {
    if (value === undefined || value === null || value === '') continue;
    pairs.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`);
  }
  const path = String(route || '').replace(/^\/+/, '');
  return pairs.length ? `${path}?${pairs.join('&')}` : path;
}

// Pages the real-name page (and the link page after it) may send the resident on to (pages.json);
// anything else falls back to navigateBack.
export const REALNAME_REDIRECTS = Object.freeze([
  'pages/index/index', 'pages/search/search', 'pages/item/item', 'pages/query/query', 'pages/inbox/inbox',
  'pages/apply/apply', 'pages/vehicles/vehicles', 'pages/applications/list', 'pages/applications/detail',
]);

// A `redirect` query parameter as a navigable url ('/pages/...'), or null when it is not one
// of ours (no other schemes, no '..', only the registered routes when given).
export function safeRedirect(redirect, routes) {
  if (!redirect || typeof redirect !== 'string') return null;
  let text = redirect.trim();
  if (/%2F|%3F/i.test(text)) {
    try {
      text = decodeURIComponent(text);
    } catch {
      return null;
    }
  }
  text = text.replace(/^\/+/, '');
  if (!/^pages\/[A-Za-z0-9_/-]+(\?.*)?$/.test(text) || text.includes('..')) return null;
  const route = text.split('?')[0];
  if (routes && !routes.includes(route)) return null;
  return `/${text}`;
}

// 18-character 身份证号 with the GB 11643 check character.
const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

export function normalizeIdNumber(value) {
  return String(value || '').trim().toUpperCase();
}

export function validIdNumber(value) {
  const id = normalizeIdNumber(value);
  if (!/^\d{17}[\dX]$/.test(id)) return false;
  let sum = 0;
  for (let i = 0; i < 17; i += 1) sum += Number(id[i]) * ID_WEIGHTS[i];
  return ID_CHECK[sum % 11] === id[17];
}

// Chinese labels for the keys department answers use; unknown keys show as they are.
export const FIELD_LABELS = Object.freeze({
  name: '姓名',
  id_number_masked: '身份证号',
  city: '参保城市',
  insured: '参保险种',
  type: '类型',
  status: '状态',
  since: '参保时间',
  unit: '单位',
  year: '年度',
  month: '月份',
  base: '缴费基数',
  personal: '个人缴纳',
  total_personal: '个人缴纳合计',
  total_unit: '单位缴纳合计',
  months_paid: '已缴月数',
  records: '明细',
  retired: '已退休',
  monthly: '月发放金额',
  bank: '发放银行',
  account_masked: '账号',
  payments: '发放记录',
  amount: '金额',
  paid_on: '发放日期',
  card_no_masked: '社保卡号',
  issued_on: '发卡日期',
  generation: '卡片代数',
  plate: '号牌号码',
  violations: '违法记录',
  time: '时间',
  place: '地点',
  act: '违法行为',
  code: '代码',
  points: '记分',
  fine: '罚款（元）',
  unhandled: '未处理',
  points_total: '累计记分',
  licence_no_masked: '驾驶证号',
  class: '准驾车型',
  cycle_end: '记分周期截止',
  valid_until: '有效期至',
  first_issued: '初次领证',
  next_window_from: '可检验起始日',
  balance: '余额',
  // 医保个人账户 (yb.account, yb.account_records)
  insurance_type: '险种',
  credited_this_year: '本年划入',
  spent_this_year: '本年就医购药',
  family_spent_this_year: '本年家庭共济',
  family: '家庭共济成员',
  relation: '关系',
  name_masked: '姓名',
  as_of: '截至',
  opening_balance: '年初余额',
  closing_balance: '年末余额',
  total_in: '收入合计',
  total_out: '支出合计',
  date: '日期',
  direction: '收支',
  // 职业技能证书 (jy.certificates)
  certificates: '证书',
  count: '证书数量',
  cert_no: '证书编号',
  kind: '证书类别',
  occupation: '职业（工种）',
  level: '等级',
  issuer: '发证机构',
  certified_on: '发证日期',
});

export function fieldLabel(key) {
  return Object.prototype.hasOwnProperty.call(FIELD_LABELS, key) ? FIELD_LABELS[key] : String(key);
}

export function displayValue(value) {
  if (value === undefined || value === null || value === '') return '—';
  if (value === true) return '是';
  if (value === false) return '否';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function pairsOf(object, prefix = '') {
  const pairs = [];
  for (const [key, value] of Object.entries(object || {})) {
    const label = prefix ? `${prefix} · ${fieldLabel(key)}` : fieldLabel(key);
    if (value && typeof value === 'object' && !Array.isArray(value)) pairs.push(...pairsOf(value, label));
    else pairs.push({ key, label, value: Array.isArray(value) ? value.map(displayValue).join('、') : displayValue(value) });
  }
  return pairs;
}

// Any answer as { fields: [{key, label, value}], lists: [{key, label, rows: [[{key, label, value}]]}] }:
// scalars (and nested objects, flattened) as fields, lists of objects as rows of fields.
export function genericView(data) {
  const fields = [];
  const lists = [];
  if (data === null || typeof data !== 'object') {
    if (data !== undefined && data !== null) fields.push({ key: 'value', label: '结果', value: displayValue(data) });
    return { fields, lists };
  }
  for (const [key, value] of Object.entries(data)) {
    if (Array.isArray(value) && value.some((v) => v && typeof v === 'object')) {
      lists.push({
        key,
        label: fieldLabel(key),
        rows: value.map((entry) => (entry && typeof entry === 'object' ? pairsOf(entry) : [{ key, label: '', value: displayValue(entry) }])),
      });
    } else if (value && typeof value === 'object' && !Array.isArray(value)) {
      fields.push(...pairsOf(value, fieldLabel(key)));
    } else {
      fields.push({ key, label: fieldLabel(key), value: Array.isArray(value) ? value.map(displayValue).join('、') || '—' : displayValue(value) });
    }
  }
  return { fields, lists };
}

// 'sb.contributions' records grouped by month, for a compact month list.
export function contributionMonths(records) {
  const months = [];
  const byMonth = new Map();
  for (const record of records || []) {
    let month = byMonth.get(record.month);
    if (!month) {
      month = { month: record.month, owing: false, entries: [] };
      byMonth.set(record.month, month);
      months.push(month);
    }
    if (record.status && record.status !== '已到账') month.owing = true;
    month.entries.push(record);
  }
  return months;
}

// 'jj.vehicle_violations' answers ({plate, violations: [{time, place, act, code, points, fine, status}],
// unhandled, points_total}) as a summary and cards, unhandled ones first, newest first within each.
export function violationsView(data) {
  const records = (data && Array.isArray(data.violations) ? data.violations : []).map((r) => {
    const handled = r.status === '已处理';
    return {
      time: r.time || '—',
      place: r.place || '—',
      act: r.act || '—',
      code: r.code || '',
      points: Number(r.points) || 0,
      fine: Number(r.fine) || 0,
      handled,
      status: r.status || (handled ? '已处理' : '未处理'),
    };
  });
  const open = records.filter((r) => !r.handled);
  const sorted = open.concat(records.filter((r) => r.handled));
  return {
    plate: (data && data.plate) || '',
    total: records.length,
    unhandled: data && typeof data.unhandled === 'number' ? data.unhandled : open.length,
    points: data && typeof data.points_total === 'number' ? data.points_total : records.reduce((s, r) => s + r.points, 0),
    // what the resident still has to pay: unhandled fines only
    fineDue: open.reduce((s, r) => s + r.fine, 0),
    records: sorted,
  };
}
