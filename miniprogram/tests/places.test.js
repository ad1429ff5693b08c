import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  RECENT_KEY, RECENT_MAX, REGION_KEY, favoritePath, readRecent, readRegion, regionChoices, regionName, regionQuery,
  rememberRecent, writeRegion,
} from '../src/common/places.js';

function memory() {
  const kept = {};
  return { kept, getStorageSync: (k) => (k in kept ? kept[k] : ''), setStorageSync: (k, v) => { kept[k] = v; } };
}

const REGIONS = [{ code: '330106', name: '西湖区' }, { code: '330108', name: '滨江区' }];

test('the region is kept per device; anything but six digits reads as city-wide', () => {
  const s = memory();
  assert.equal(readRegion(s), '');
  assert.equal(writeRegion(s, '330106'), '330106');
  assert.equal(s.kept[REGION_KEY], '330106');
  assert.equal(readRegion(s), '330106');
  assert.equal(writeRegion(s, 'hangzhou'), '');
  assert.equal(readRegion(s), '');
  s.kept[REGION_KEY] = { code: '330106' };
  assert.equal(readRegion(s), '');
});

test('the picker offers 全市 then the server regions, and the query is sent only for a region', () => {
  assert.deepEqual(regionChoices(REGIONS).map((r) => r.name), ['全市', '西湖区', '滨江区']);
  assert.deepEqual(regionChoices([{ code: 'x', name: '坏' }, null]).map((r) => r.name), ['全市']);
  assert.equal(regionName(REGIONS, '330108'), '滨江区');
  assert.equal(regionName(REGIONS, '999999'), '全市');
  assert.deepEqual(regionQuery('330106'), { region: '330106' });
  assert.deepEqual(regionQuery(''), {});
});

test('最近使用 keeps the latest items first, once each, at most RECENT_MAX', () => {
  const s = memory();
  for (let n = 0; n < RECENT_MAX + 2; n += 1) rememberRecent(s, { code: `SB000${n}`, name: `事项${n}`, form: [] });
  const list = rememberRecent(s, { code: 'SB0003', name: '事项3' });
  assert.equal(list.length, RECENT_MAX);
  assert.deepEqual(list.slice(0, 2).map((i) => i.code), ['SB0003', `SB000${RECENT_MAX + 1}`]);
  assert.equal(list.filter((i) => i.code === 'SB0003').length, 1);
  assert.deepEqual(Object.keys(s.kept[RECENT_KEY][0]), ['code', 'name']); // nothing but what the list shows
  s.kept[RECENT_KEY] = 'broken';
  assert.deepEqual(readRecent(s), []);
  assert.deepEqual(rememberRecent(s, { code: '' }), []);
});

test('a favourite is one path per item code', () => {
  assert.equal(favoritePath('JT0001'), '/api/v1/me/favorites/JT0001');
});
