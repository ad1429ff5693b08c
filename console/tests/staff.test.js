import test from 'node:test';
import assert from 'node:assert/strict';
import { accountRow, changeProblems, passwordProblem, toBody, toModel } from '../js/staff.js';

test('the password rule, as the server', () => {
  assert.equal(passwordProblem('Abcdefgh12'), '');
  assert.match(passwordProblem('abcdefghij'), /字母和数字/);
  assert.match(passwordProblem('Ab1'), /至少 10 位/);
  assert.deepEqual(changeProblems({ oldPassword: 'Old1234567', newPassword: 'New1234567', repeat: 'New1234567' }), {});
  assert.deepEqual(changeProblems({ oldPassword: 'Old1234567', newPassword: 'Old1234567', repeat: 'Old1234567' }),
    { new_password: '新密码不能与当前密码相同' });
  assert.deepEqual(changeProblems({ oldPassword: '', newPassword: 'New1234567', repeat: 'x' }),
    { old_password: '请输入当前密码', repeat: '两次输入的新密码不一致' });
});

test('an account in the editor and back', () => {
  const model = toModel({ username: 'a', display_name: '甲', role: 'processor', department: 'rsj', team: null });
  assert.deepEqual(toBody(model), { display_name: '甲', role: 'processor', active: true, department: 'rsj', team: null });
  assert.deepEqual(toBody({ ...model, role: 'operator' }).department, null);
  assert.deepEqual(toBody({ ...model, password: 'P1234567890' }, { create: true }).password, 'P1234567890');
  const row = accountRow({ role: 'processor', department: 'rsj', must_change_password: true }, { rsj: '人社局' });
  assert.deepEqual([row.roleText, row.placeText, row.statusText], ['办件审核员', '人社局', '待修改初始密码']);
  assert.equal(accountRow({ role: 'operator', active: false }, {}).statusText, '已停用');
});
