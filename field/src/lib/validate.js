// Checks of what an inspector types in the field: 身份证号 (GB 11643), 统一社会信用代码 (GB 32100),
// licence plates. Plain functions: the case form and vitest both use them.

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

// '' when valid, else the reason in Chinese.
export function checkIdNumber(value) {
  const id = String(value || '').trim().toUpperCase();
  if (!/^\d{17}[\dX]$/.test(id)) return '身份证号应为 18 位（最后一位可为 X）';
  const year = Number(id.slice(6, 10));
  const month = Number(id.slice(10, 12));
  const day = Number(id.slice(12, 14));
  const born = new Date(Date.UTC(year, month - 1, day));
  if (year < 1900 || born.getUTCMonth() !== month - 1 || born.getUTCDate() !== day || born > new Date()) {
    return '身份证号中的出生日期无效';
  }
  let sum = 0;
  for (let i = 0; i < 17; i += 1) sum += Number(id[i]) * ID_WEIGHTS[i];
  if (ID_CHECK[sum % 11] !== id[17]) return '身份证号校验位不正确，请核对';
  return '';
}

// GB 32100-2015: 18 characters from 31 (no I, O, Z, S, V); the last is a check character.
const CODE_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const CODE_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

export function checkCreditCode(value) {
  const code = String(value || '').trim().toUpperCase();
  if (code.length !== 18) return '统一社会信用代码应为 18 位';
  if ([...code].some((c) => !CODE_CHARS.includes(c))) return '统一社会信用代码含有无效字符（不含 I、O、Z、S、V）';
  let sum = 0;
  for (let i = 0; i < 17; i += 1) sum += CODE_CHARS.indexOf(code[i]) * CODE_WEIGHTS[i];
  const check = (31 - (sum % 31)) % 31;
  if (CODE_CHARS[check] !== code[17]) return '统一社会信用代码校验位不正确，请核对';
  return '';
}

export const PROVINCES = Object.freeze([
  '京', '津', '沪', '渝', '冀', '晋', '蒙', '辽', '吉', '黑', '苏', '浙', '皖', '闽', '赣', '鲁',
  '豫', '鄂', '湘', '粤', '桂', '琼', '川', '贵', '云', '藏', '陕', '甘', '青', '宁', '新',
]);

// Province + issuing-authority letter + 5 characters (6 for new-energy plates); 挂/学/警 tails.
export function checkPlate(value) {
  const plate = String(value || '').trim().toUpperCase();
  if (!PROVINCES.includes(plate[0])) return '请选择车牌省份';
  if (!/^[A-HJ-NP-Z]$/.test(plate[1] || '')) return '车牌第二位应为发牌机关字母';
  const rest = plate.slice(2);
  if (/^[A-HJ-NP-Z0-9]{4}[A-HJ-NP-Z0-9挂学警]$/.test(rest)) return '';
  if (/^[DF][A-HJ-NP-Z0-9]\d{4}$|^\d{5}[DF]$/.test(rest)) return ''; // 新能源
  return '车牌号格式不正确';
}

// What the server keeps of a person's 身份证号: the first 6 and last 4 (personal data stays here).
export function maskIdNumber(value) {
  const id = String(value || '').trim().toUpperCase();
  return id.length === 18 ? `${id.slice(0, 6)}********${id.slice(14)}` : '';
}

// Every problem of a case form, by field; {} when it can be saved for sending.
export function checkCase(form) {
  const problems = {};
  if (!form.violation) problems.violation = '请选择违法行为';
  const party = form.party || {};
  if (party.kind === 'person') {
    if (!String(party.name || '').trim()) problems['party.name'] = '请填写当事人姓名';
    const bad = checkIdNumber(party.id_number);
    if (bad) problems['party.id_number'] = bad;
  } else if (party.kind === 'business') {
    if (!String(party.name || '').trim()) problems['party.name'] = '请填写单位名称';
    const bad = checkCreditCode(party.credit_code);
    if (bad) problems['party.credit_code'] = bad;
  } else {
    problems['party.kind'] = '请选择当事人类型';
  }
  if (form.plate) {
    const bad = checkPlate(form.plate);
    if (bad) problems.plate = bad;
  }
  const position = form.position || {};
  if (typeof position.lng !== 'number' || typeof position.lat !== 'number') problems.position = '请获取现场定位';
  if (!form.observed_at) problems.observed_at = '请填写发现时间';
  if (!String(form.facts || '').trim()) problems.facts = '请填写违法事实';
  return problems;
}
