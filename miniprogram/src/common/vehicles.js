// 我的车辆: plate and engine-tail checks that mirror models/vehicles.py. Pure functions.

export const PROVINCES = '京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼';
// 7 characters, or 8 for new-energy plates (D/F right after the city letter, or at the end).
const PLATE_RE = new RegExp(`^[${PROVINCES}][A-Z](?:[A-HJ-NP-Z0-9]{5}|[DF][A-HJ-NP-Z0-9]{5}|[A-HJ-NP-Z0-9]{5}[DF])$`);
const ENGINE_TAIL_RE = /^[0-9A-Z]{6}$/;

export const PLATE_MESSAGE = '号牌号码格式不正确（如 浙A12345 或 浙AD12345）';
export const ENGINE_TAIL_MESSAGE = '请输入发动机号后六位';

// Residents type spaces, lower case and the middle dot printed on plates (浙A·12345).
export function normalizePlate(value) {
  return String(value || '').replace(/[\s·•.\-]/g, '').toUpperCase();
}

export function validPlate(value) {
  return PLATE_RE.test(normalizePlate(value));
}

export function isNewEnergy(plate) {
  return normalizePlate(plate).length === 8;
}

export function plateError(value) {
  const plate = normalizePlate(value);
  if (!plate) return '请输入号牌号码';
  if (!PROVINCES.includes(plate[0])) return '号牌号码应以省份简称开头，如“浙”';
  if (plate.length !== 7 && plate.length !== 8) return '号牌号码应为7位，新能源号牌为8位';
  return PLATE_RE.test(plate) ? '' : PLATE_MESSAGE;
}

export function normalizeEngineTail(value) {
  return String(value || '').trim().toUpperCase();
}

export function engineTailError(value) {
  return ENGINE_TAIL_RE.test(normalizeEngineTail(value)) ? '' : ENGINE_TAIL_MESSAGE;
}

// '浙AD12345' -> '浙A·D12345' for display.
export function displayPlate(plate) {
  const p = normalizePlate(plate);
  return p.length >= 7 ? `${p.slice(0, 2)}·${p.slice(2)}` : p;
}
