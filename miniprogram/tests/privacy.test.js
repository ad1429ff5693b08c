import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  closureBody, closureProblem, consentBody, consentRequired, documentPath, idNumberConsentNeeded, isConsentError,
} from '../src/common/privacy.js';

test('the documents to agree to come from the login answer or GET /me, and go back at the versions read', () => {
  const required = [{ kind: 'terms', version: 1, title: '用户服务协议' }, { kind: 'privacy', version: 3, title: '隐私政策' }];
  assert.deepEqual(consentRequired({ consent_required: required }), required);
  assert.deepEqual(consentRequired({}), []);
  assert.deepEqual(consentRequired(null), []);
  assert.deepEqual(consentBody(required), { kinds: ['terms', 'privacy'], versions: { terms: 1, privacy: 3 } });
  assert.equal(documentPath('id_number'), '/api/v1/legal/id_number');
});

test('the 身份证号 notice is asked until agreed to in its current version', () => {
  assert.equal(idNumberConsentNeeded({ consents: {} }, { id_number: 1 }), true);
  assert.equal(idNumberConsentNeeded(null, { id_number: 1 }), true);
  assert.equal(idNumberConsentNeeded({ consents: { id_number: { version: 1 } } }, { id_number: 1 }), false);
  assert.equal(idNumberConsentNeeded({ consents: { id_number: { version: 1 } } }, { id_number: 2 }), true);
});

test('only a 403 consent.required sends the resident to the documents', () => {
  assert.equal(isConsentError({ status: 403, code: 'consent.required' }), true);
  assert.equal(isConsentError({ status: 403, code: 'auth.forbidden' }), false);
  assert.equal(isConsentError(null), false);
});

test('closure: the typed word and the proof of this login\'s channel', () => {
  assert.match(closureProblem('wechat', '确定'), /注销/);
  assert.equal(closureProblem('wechat', ' 注销 '), '');
  assert.match(closureProblem('app', '注销', { phone: '123', otp: '123456' }), /手机号/);
  assert.match(closureProblem('app', '注销', { phone: '13800001111', otp: '12' }), /验证码/);
  assert.equal(closureProblem('app', '注销', { phone: '13800001111', otp: '123456' }), '');
  assert.deepEqual(closureBody('wechat', '注销', { code: 'c1' }), { confirm: '注销', proof: { code: 'c1' } });
  assert.deepEqual(closureBody('alipay', '注销', { code: 'a1' }), { confirm: '注销', proof: { auth_code: 'a1' } });
  assert.deepEqual(closureBody('app', '注销 ', { phone: '13800001111', otp: '123456' }),
    { confirm: '注销', proof: { phone: '13800001111', otp: '123456' } });
});
