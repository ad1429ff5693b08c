// 我的车辆: plate and engine-tail checks that mirror models/vehicles.py. Pure functions.

import { normalizePlate, plateProblem } from './plates.js';

export { PROVINCES, normalizePlate, validPlate } from './plates.js';

const ENGINE_TAIL_RE = /^[0-9A-Z]{6}$/;

export const PLATE_MESSAGE = '号牌号码格式不正确（如 浙A12345 或 浙AD12345）';
export const ENGINE_TAIL_MESSAGE = '请输入发动机号后六位';

export function isNewEnergy(plate) {
  return normalizePlate(plate).length === 8;
}

export function plateError(value) {
  const problem = plateProblem(value);
  return problem === 'format' ? PLATE_MESSAGE : problem;
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
