// Motor vehicle plates (GA 36-2018), the same rule as models/plates.py: a province abbreviation,
// the office letter (no I or O), then five characters (the last may be 挂学警港澳), or a new-energy
// plate's six: D/F, a letter or digit and four digits (small), or five digits then D/F (large).
// The plate input keeps the province apart (a picker) from the rest the resident types.

export const PROVINCES = '京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼';
const CHAR = '[A-HJ-NP-Z0-9]';
export const PLATE_RE = new RegExp(
  `^[${PROVINCES}][A-HJ-NP-Z](?:${CHAR}{4}[A-HJ-NP-Z0-9挂学警港澳]|[DF]${CHAR}\\d{4}|\\d{5}[DF])$`,
);

// Residents type spaces, lower case and the middle dot printed on plates (浙A·12345).
export function normalizePlate(value) {
  return String(value || '').replace(/[\s·•.\-]/g, '').toUpperCase();
}

export function validPlate(value) {
  return PLATE_RE.test(normalizePlate(value));
}

// '浙AD12345' -> {province: '浙', rest: 'AD12345'}; a value without a province keeps it all as rest.
export function splitPlate(value) {
  const plate = normalizePlate(value);
  return PROVINCES.includes(plate[0] || '-') ? { province: plate[0], rest: plate.slice(1) } : { province: '', rest: plate };
}

// The rest as typed after a province: a pasted whole plate brings its own province.
export function joinPlate(province, rest) {
  const typed = splitPlate(rest);
  return (typed.province || province || '') + typed.rest;
}

export const PLATE_LENGTH_MESSAGE = '号牌号码应为7位，新能源号牌为8位';

// '' when fine, else what is wrong, in the resident's words.
export function plateProblem(value) {
  const plate = normalizePlate(value);
  if (!plate) return '请输入号牌号码';
  if (!PROVINCES.includes(plate[0])) return '请先选择省份简称';
  if (plate.length !== 7 && plate.length !== 8) return PLATE_LENGTH_MESSAGE;
  return PLATE_RE.test(plate) ? '' : 'format';
}
