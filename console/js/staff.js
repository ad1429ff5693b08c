// 人员管理: account rows in words and the editor model of one account. No DOM here.

import { ROLE_LABELS } from './audit.js';

export const PASSWORD_RULE = '至少 10 位，须同时包含字母和数字';

/** The same rule as the server (models/staff_admin.py), checked before sending. */
export function passwordProblem(password) {
  if (!password) return '请输入密码';
  if (password.length < 10 || !/[A-Za-z]/.test(password) || !/[0-9]/.test(password)) return `密码${PASSWORD_RULE}`;
  return '';
}

/** Problems of a change-password form: {field: message}. */
export function changeProblems({ oldPassword, newPassword, repeat }) {
  const out = {};
  if (!oldPassword) out.old_password = '请输入当前密码';
  const rule = passwordProblem(newPassword);
  if (rule) out.new_password = rule;
  else if (newPassword === oldPassword) out.new_password = '新密码不能与当前密码相同';
  if (newPassword && repeat !== newPassword) out.repeat = '两次输入的新密码不一致';
  return out;
}

export function emptyAccount() {
  return { username: '', display_name: '', role: 'processor', department: '', team: '', active: true, password: '' };
}

/** An account as the editor holds it. */
export function toModel(account) {
  return { username: account.username, display_name: account.display_name || '', role: account.role,
    department: account.department || '', team: account.team || '', active: account.active !== false, password: '' };
}

/** The request body: only the department or team the role uses (others are cleared). */
export function toBody(model, { create = false } = {}) {
  const body = { display_name: model.display_name.trim(), role: model.role, active: Boolean(model.active),
    department: model.role === 'processor' ? model.department || null : null,
    team: ['inspector', 'supervisor'].includes(model.role) ? model.team.trim() || null : null };
  if (create) Object.assign(body, { username: model.username.trim(), password: model.password });
  return body;
}

/** "人社局审核员（办件审核员 · 市人力资源和社会保障局）" style summary parts. */
export function accountRow(account, departments) {
  return { ...account, roleText: ROLE_LABELS[account.role] || account.role,
    placeText: account.department ? departments[account.department] || account.department : account.team || '—',
    statusText: account.active === false ? '已停用' : account.must_change_password ? '待修改初始密码' : '正常' };
}
