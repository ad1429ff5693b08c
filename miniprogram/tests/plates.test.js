import { test } from 'node:test';
import assert from 'node:assert/strict';

import { PROVINCES, joinPlate, normalizePlate, plateProblem, splitPlate, validPlate } from '../src/common/plates.js';

test('GA 36 plates, as models/plates.py: 7 characters, or 8 for new-energy', () => {
  for (const ok of ['浙A12345', '京B0000Z', '浙A1234学', '粤Z1234港', '浙AD12345', '浙AFA1234', '浙A12345D', '粤B12345F']) {
    assert.ok(validPlate(ok), ok);
  }
  // a small new-energy plate ends in four digits; no I or O; a province first
  for (const bad of ['浙AF1234A', '浙AX12345', '浙AD1234O', '浙I12345', '浙AO1234', '浙A123456', 'A12345', '浙A1234']) {
    assert.ok(!validPlate(bad), bad);
  }
});

test('the picker keeps the province apart from the rest', () => {
  assert.equal(PROVINCES.length, 31);
  assert.deepEqual(splitPlate('浙a·d12345'), { province: '浙', rest: 'AD12345' });
  assert.deepEqual(splitPlate('AD12345'), { province: '', rest: 'AD12345' });
  assert.deepEqual(splitPlate(''), { province: '', rest: '' });
  assert.equal(joinPlate('浙', 'ad 12345'), '浙AD12345');
  assert.equal(joinPlate('浙', '沪A12345'), '沪A12345', 'a pasted whole plate brings its province');
  assert.equal(joinPlate('', 'A12345'), 'A12345');
  assert.equal(normalizePlate(' 浙a-1234 5 '), '浙A12345');
});

test('what is wrong, in words', () => {
  assert.equal(plateProblem(''), '请输入号牌号码');
  assert.equal(plateProblem('A12345'), '请先选择省份简称');
  assert.equal(plateProblem('浙A123'), '号牌号码应为7位，新能源号牌为8位');
  assert.equal(plateProblem('浙AF1234A'), 'format');
  assert.equal(plateProblem('浙AD12345'), '');
});
