import test from 'node:test';
import assert from 'node:assert/strict';
import { addDays, countdown, beijingDayStart, beijingToday, dateTime, daySeries, daysBetween, percent, splitList, toFen, utf8Bytes, yuan } from '../js/format.js';

test('times are shown in Beijing time whatever the offset they come with', () => {
  assert.equal(dateTime('2026-01-01T16:30:00+00:00'), '2026-01-02 00:30');
  assert.equal(dateTime('2026-01-01T16:30:00Z'), '2026-01-02 00:30');
  assert.equal(dateTime('2026-01-02T00:30:00+08:00'), '2026-01-02 00:30');
  assert.equal(dateTime(null), '—');
});

test('the Beijing day turns at 16:00 UTC', () => {
  assert.equal(beijingToday(Date.parse('2026-03-31T15:59:59Z')), '2026-03-31');
  assert.equal(beijingToday(Date.parse('2026-03-31T16:00:00Z')), '2026-04-01');
});

test('calendar arithmetic on YYYY-MM-DD', () => {
  assert.equal(addDays('2024-02-28', 1), '2024-02-29');
  assert.equal(addDays('2026-03-01', -1), '2026-02-28');
  assert.equal(daysBetween('2025-12-31', '2026-01-30'), 30);
  assert.deepEqual(daySeries('2026-01-30', '2026-02-02'), ['2026-01-30', '2026-01-31', '2026-02-01', '2026-02-02']);
  assert.equal(beijingDayStart('2026-05-01'), '2026-05-01T00:00:00+08:00');
});

test('rates: null is "—", not 0 %', () => {
  assert.equal(percent(null), '—');
  assert.equal(percent(undefined), '—');
  assert.equal(percent(0), '0.0%');
  assert.equal(percent(0.8734), '87.3%');
  assert.equal(percent(1), '100.0%');
});

test('money in 元 and 分', () => {
  assert.equal(yuan(1250), '12.50');
  assert.equal(toFen('12.5'), 1250);
  assert.equal(toFen('0.01'), 1);
  assert.equal(toFen(''), 0);
  assert.equal(toFen('12.345'), null);
  assert.equal(toFen('十元'), null);
});

test('UTF-8 bytes as WeChat counts them', () => {
  assert.equal(utf8Bytes('办事服务'), 12);
  assert.equal(utf8Bytes('abc'), 3);
  assert.equal(utf8Bytes(undefined), 0);
});

test('lists typed with either comma', () => {
  assert.deepEqual(splitList('社保，医保, 交通  就业'), ['社保', '医保', '交通', '就业']);
  assert.deepEqual(splitList(''), []);
});

test('a lockout wait in minutes and seconds', () => {
  assert.equal(countdown(899), '14 分 59 秒');
  assert.equal(countdown(60), '1 分 0 秒');
  assert.equal(countdown(45), '45 秒');
  assert.equal(countdown(-3), '0 秒');
});
