import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  displayPlate, engineTailError, isNewEnergy, normalizeEngineTail, normalizePlate, plateError, validPlate,
} from '../src/common/vehicles.js';

test('plates as the server accepts them: 7 characters, or 8 for new-energy', () => {
  for (const ok of ['浙A12345', '京B0000Z', '浙AD12345', '浙AFA1234', '浙A12345D', '粤Z12345']) assert.ok(validPlate(ok), ok);
  // 浙AF1234A: a small new-energy plate ends in four digits (GA 36-2018)
  for (const bad of ['浙A1234', '浙A123456', '浙AO1234', '浙AI1234', 'AA12345', '浙A12345X9', '浙AX12345', '浙AF1234A']) {
    assert.ok(!validPlate(bad), bad);
  }
});

test('typing is forgiven: spaces, the printed dot, lower case', () => {
  assert.equal(normalizePlate(' 浙a·d1234 5 '), '浙AD12345');
  assert.equal(normalizePlate('浙A-12345'), '浙A12345');
  assert.ok(isNewEnergy('浙ad12345'));
  assert.ok(!isNewEnergy('浙A12345'));
  assert.equal(displayPlate('浙AD12345'), '浙A·D12345');
});

test('plate messages say what is wrong', () => {
  assert.equal(plateError(''), '请输入号牌号码');
  assert.equal(plateError('A123456'), '请先选择省份简称');
  assert.equal(plateError('浙A123'), '号牌号码应为7位，新能源号牌为8位');
  assert.equal(plateError('浙A1234O'), '号牌号码格式不正确（如 浙A12345 或 浙AD12345）');
  assert.equal(plateError('浙A12345'), '');
});

test('engine tail: exactly six letters or digits', () => {
  assert.equal(normalizeEngineTail(' a1b2c3 '), 'A1B2C3');
  assert.equal(engineTailError('a1b2c3'), '');
  assert.equal(engineTailError('12345'), '请输入发动机号后六位');
  assert.equal(engineTailError('12345-'), '请输入发动机号后六位');
});
