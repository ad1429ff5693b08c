import { test } from 'node:test';
import assert from 'node:assert/strict';

import { clearLogin, getResident, isLoggedIn, saveLogin } from '../src/common/session.js';
import { memoryStorage } from './support.js';

const answer = {
  access_token: 'access-1',
  refresh_token: 'refresh-1',
  token_type: 'Bearer',
  expires_in: 900,
  resident: { id: 'r1', phone: '138****5678', realname: false },
};

test('saveLogin stores both tokens and the resident; isLoggedIn follows', () => {
  const storage = memoryStorage();
  assert.equal(isLoggedIn(storage), false);
  saveLogin(storage, answer);
  assert.equal(storage.get('access_token'), 'access-1');
  assert.equal(storage.get('refresh_token'), 'refresh-1');
  assert.deepEqual(getResident(storage), answer.resident);
  assert.equal(isLoggedIn(storage), true);
  assert.deepEqual([...storage.map.keys()].sort(), ['access_token', 'refresh_token', 'resident']);
});

test('clearLogin removes everything saveLogin wrote', () => {
  const storage = memoryStorage({ other: 'kept' });
  saveLogin(storage, answer);
  clearLogin(storage);
  assert.equal(isLoggedIn(storage), false);
  assert.equal(getResident(storage), null);
  assert.deepEqual([...storage.map.keys()], ['other']);
});

test('an answer without a resident keeps the stored one', () => {
  const storage = memoryStorage();
  saveLogin(storage, answer);
  saveLogin(storage, { access_token: 'access-2', refresh_token: 'refresh-2' });
  assert.equal(storage.get('access_token'), 'access-2');
  assert.deepEqual(getResident(storage), answer.resident);
});

test('saveLogin refuses an answer missing a token and writes nothing', () => {
  const storage = memoryStorage();
  assert.throws(() => saveLogin(storage, { access_token: 'a' }), TypeError);
  assert.throws(() => saveLogin(storage, null), TypeError);
  assert.equal(storage.map.size, 0);
});
