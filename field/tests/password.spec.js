import { describe, expect, it } from 'vitest';
import {
  CHANGE_FLAG, PASSWORD_PATH, changeRequired, checkPasswordChange, createPasswordFlow, errorsFromServer,
  hasErrors, ruleStatus,
} from '../src/lib/password.js';
import { saveLogin } from '../../miniprogram/src/common/session.js';

describe('the new password checked before sending (the server rule: ≥ 10, a letter and a digit)', () => {
  it('accepts a good change', () => {
    const e = checkPasswordChange({ current: 'Temp-pass-2026', next: 'Mine2026abcd', again: 'Mine2026abcd' });
    expect(hasErrors(e)).toBe(false);
  });
  it('names every part that is missing, in plain words', () => {
    expect(checkPasswordChange({ current: 'x', next: 'abc', again: 'abc' }).new_password)
      .toBe('新密码不符合要求：至少 10 位（现在 3 位），缺少数字');
    expect(checkPasswordChange({ current: 'x', next: '1234567890', again: '' }).new_password).toMatch('缺少英文字母');
    expect(checkPasswordChange({ current: 'x', next: 'abcdefghijk', again: '' }).new_password).toMatch('缺少数字');
  });
  it('wants the current password, a different new one, and the same twice', () => {
    const empty = checkPasswordChange({});
    expect(empty.old_password).toMatch('请输入当前密码');
    expect(empty.new_password).toBe('请输入新密码');
    expect(empty.confirm).toBe('');
    expect(checkPasswordChange({ current: 'Same2026abcd', next: 'Same2026abcd', again: 'Same2026abcd' }).new_password)
      .toBe('新密码不能与当前密码相同');
    expect(checkPasswordChange({ current: 'a', next: 'Mine2026abcd', again: 'Mine2026abce' }).confirm).toBe('两次输入的新密码不一致');
    expect(checkPasswordChange({ current: 'a', next: 'Mine2026abcd', again: '' }).confirm).toBe('请再输入一次新密码');
    expect(checkPasswordChange({ current: 'a', next: `a1${'x'.repeat(255)}`, again: '' }).new_password).toMatch('256');
  });
  it('ticks off the rules while typing', () => {
    expect(ruleStatus('', '')).toEqual([false, false, false, false]);
    expect(ruleStatus('abc1', 'old')).toEqual([false, true, true, true]);
    expect(ruleStatus('Mine2026abcd', 'Mine2026abcd')).toEqual([true, true, true, false]);
  });
});

describe('server errors placed on their fields', () => {
  it('puts 422 details on the field', () => {
    const e = errorsFromServer({ status: 422, message: '当前密码不正确', details: { old_password: ['当前密码不正确'] } });
    expect(e).toMatchObject({ old_password: '当前密码不正确', new_password: '', form: '' });
    expect(errorsFromServer({ status: 422, details: { new_password: ['密码至少 10 位，须同时包含字母和数字'] } }).new_password)
      .toMatch('至少 10 位');
  });
  it('explains the rest at the bottom', () => {
    expect(errorsFromServer({ status: 0 }).form).toMatch('网络异常，密码未修改');
    expect(errorsFromServer({ status: 500, message: '服务器错误' }).form).toBe('服务器错误');
    expect(errorsFromServer(null).form).toBe('修改失败，请稍后再试');
  });
});

function memory() {
  const m = new Map();
  return { get: (k) => (m.has(k) ? m.get(k) : null), set: (k, v) => m.set(k, v), remove: (k) => m.delete(k), m };
}

describe('the change flow', () => {
  it('remembers the login answer and clears it after the change, keeping the new tokens', async () => {
    const storage = memory();
    const calls = [];
    const client = {
      post: async (path, body) => {
        calls.push([path, body]);
        return { access_token: 'A2', refresh_token: 'R2', password_change_required: false };
      },
    };
    const flow = createPasswordFlow({ client, storage, saveLogin });
    flow.remember({ password_change_required: true });
    expect(flow.required()).toBe(true);
    expect(storage.get(CHANGE_FLAG)).toBe(true);
    await flow.change('Temp-pass-2026', 'Mine2026abcd');
    expect(calls).toEqual([[PASSWORD_PATH, { old_password: 'Temp-pass-2026', new_password: 'Mine2026abcd' }]]);
    expect(storage.get('access_token')).toBe('A2');
    expect(storage.get('refresh_token')).toBe('R2');
    expect(flow.required()).toBe(false);
  });
  it('keeps the flag when the change fails', async () => {
    const storage = memory();
    const client = { post: async () => { throw Object.assign(new Error('当前密码不正确'), { status: 422 }); } };
    const flow = createPasswordFlow({ client, storage, saveLogin });
    flow.remember({ password_change_required: true });
    await expect(flow.change('bad', 'Mine2026abcd')).rejects.toThrow('当前密码不正确');
    expect(flow.required()).toBe(true);
  });
  it('asks /auth/staff/me on start; offline keeps what is stored', async () => {
    const storage = memory();
    let me = { must_change_password: true };
    let offline = false;
    const client = { get: async () => { if (offline) throw Object.assign(new Error('x'), { status: 0 }); return me; } };
    const flow = createPasswordFlow({ client, storage, saveLogin });
    expect(await flow.recheck()).toBe(true);
    offline = true;
    expect(await flow.recheck()).toBe(true);
    offline = false;
    me = { must_change_password: false };
    expect(await flow.recheck()).toBe(false);
  });
  it('reads both answers', () => {
    expect(changeRequired({ password_change_required: true })).toBe(true);
    expect(changeRequired({ must_change_password: true })).toBe(true);
    expect(changeRequired({ password_change_required: false })).toBe(false);
    expect(changeRequired(null)).toBe(false);
  });
});
