// Look-ups (信息查询): the kinds, their key checks (as the server's LookupSchema) and the rate limit
// left as the server reports it.
import { checkPlate } from './validate.js';

export const KINDS = Object.freeze([
  { kind: 'vehicle', label: '车辆', key: '号牌号码', hint: '如 浙A7K2M9' },
  { kind: 'driver', label: '驾驶人', key: '驾驶证号', hint: '18 位身份证号' },
  { kind: 'business', label: '经营业户', key: '经营许可证号', hint: '12 位数字' },
]);
export const REASONS = Object.freeze(['现场检查核实', '案件调查取证', '勤务任务核查']);

export function normaliseKey(kind, value) {
  return String(value || '').trim().toUpperCase().replace(/\s+/g, '');
}

// {key: '', reason: ''} when fine, else the problems in Chinese.
export function checkLookup({ kind, key, reason }) {
  const problems = {};
  const k = normaliseKey(kind, key);
  if (kind === 'vehicle') {
    const bad = checkPlate(k);
    if (bad) problems.key = bad;
  } else if (kind === 'driver' && !/^\d{17}[\dX]$/.test(k)) {
    problems.key = '驾驶证号应为 18 位身份证号';
  } else if (kind === 'business' && !/^\d{12}$/.test(k)) {
    problems.key = '经营许可证号应为 12 位数字';
  }
  const why = String(reason || '').trim();
  if (why.length < 4 || why.length > 200) problems.reason = '请说明查询事由（4 到 200 字）';
  return problems;
}

// '本时段还可查询 29 次（上限 30 per 1 minute）' from the answer's rate_limit.
export function remainingText(rate) {
  if (!rate) return '';
  const limit = String(rate.limit).replace(/(\d+) per (\d+) (minute|hour|day)s?/, (_, n, k, unit) =>
    `${k === '1' ? '每' : `每 ${k} `}${{ minute: '分钟', hour: '小时', day: '天' }[unit]} ${n} 次`);
  return `还可查询 ${rate.remaining} 次（${limit}）`;
}

export const FIELD_LABELS = Object.freeze({
  plate: '号牌', vehicle_type: '车辆类型', brand: '品牌型号', color: '颜色', owner_name_masked: '所有人',
  owner_id_masked: '所有人证件', registered_on: '注册日期', status: '状态', inspection_valid_until: '检验有效期至',
  insurance_valid_until: '交强险有效期至', unhandled_violations: '未处理违法', licence_no_masked: '驾驶证号',
  name_masked: '姓名', class: '准驾车型', points: '记分', valid_until: '有效期至', licence_no: '许可证号',
  business_name: '业户名称', business_scope: '经营范围',
});

// The answer's data as [label, value] rows (unknown fields keep their own name).
export function rows(data) {
  return Object.entries(data || {}).filter(([, v]) => v !== null && v !== undefined && typeof v !== 'object')
    .map(([k, v]) => [FIELD_LABELS[k] || k, String(v)]);
}
