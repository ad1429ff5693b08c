// Changing one's own password (POST /api/v1/auth/staff/password). The rule is the server's
// (models/staff_admin.py check_password_rule): checked here first so the inspector sees every
// problem at once, in plain words, before anything is sent.

export const PASSWORD_RULE = '密码至少 10 位，须同时包含字母和数字';
export const PASSWORD_RULES = Object.freeze([
  '至少 10 位',
  '至少包含 1 个英文字母（a–z 或 A–Z）',
  '至少包含 1 个数字（0–9）',
  '不能与当前密码相同',
]);
const MAX_LENGTH = 256;

// Which of the rules the new password meets (to tick them off while typing).
export function ruleStatus(password = '', current = '') {
  return [
    password.length >= 10,
    /[A-Za-z]/.test(password),
    /[0-9]/.test(password),
    password.length > 0 && password !== current,
  ];
}

// {old_password, new_password, confirm}: the problem with each field ('' when none).
export function checkPasswordChange({ current = '', next = '', again = '' } = {}) {
  const errors = { old_password: '', new_password: '', confirm: '' };
  if (!current) errors.old_password = '请输入当前密码（管理员告诉您的初始密码）';
  if (!next) {
    errors.new_password = '请输入新密码';
  } else if (next.length > MAX_LENGTH) {
    errors.new_password = `新密码不能超过 ${MAX_LENGTH} 位`;
  } else {
    const [long, letter, digit] = ruleStatus(next, current);
    const missing = [];
    if (!long) missing.push(`至少 10 位（现在 ${next.length} 位）`);
    if (!letter) missing.push('缺少英文字母');
    if (!digit) missing.push('缺少数字');
    if (missing.length) errors.new_password = `新密码不符合要求：${missing.join('，')}`;
    else if (current && next === current) errors.new_password = '新密码不能与当前密码相同';
  }
  if (!errors.new_password && next) {
    if (!again) errors.confirm = '请再输入一次新密码';
    else if (again !== next) errors.confirm = '两次输入的新密码不一致';
  }
  return errors;
}

export const hasErrors = (errors) => Object.values(errors).some(Boolean);

// A failed change as field problems: the server's 422 names fields (old_password, new_password);
// anything else becomes the message at the bottom of the form.
export function errorsFromServer(error) {
  const errors = { old_password: '', new_password: '', confirm: '', form: '' };
  const details = (error && error.details) || {};
  let placed = false;
  for (const field of ['old_password', 'new_password']) {
    const messages = details[field];
    if (Array.isArray(messages) && messages.length) {
      errors[field] = messages.join('；');
      placed = true;
    }
  }
  if (!placed) {
    if (error && error.status === 0) errors.form = '网络异常，密码未修改。请检查网络后再试';
    else if (error && error.status === 401) errors.form = '登录已失效，请重新登录';
    else if (error && error.status === 429) errors.form = '尝试次数过多，请稍后再试';
    else errors.form = (error && error.message) || '修改失败，请稍后再试';
  }
  return errors;
}

// Whether a login or refresh answer, or a /auth/staff/me answer, still needs the change.
export function changeRequired(answer) {
  return Boolean(answer && (answer.password_change_required || answer.must_change_password));
}

export const CHANGE_FLAG = 'password_change_required';
export const ME_PATH = '/api/v1/auth/staff/me';
export const PASSWORD_PATH = '/api/v1/auth/staff/password';

// The app's side of it: a flag in storage, set by the login answer and checked again with
// /auth/staff/me on start (an admin may have reset the password since), cleared by the change.
// saveLogin: stores the fresh token pair the change answers (the old sessions are ended).
export function createPasswordFlow({ client, storage, saveLogin }) {
  return {
    required: () => Boolean(storage.get(CHANGE_FLAG)),
    remember(answer) {
      if (changeRequired(answer)) storage.set(CHANGE_FLAG, true);
      else storage.remove(CHANGE_FLAG);
    },
    // Asks the server; offline (or any failure) keeps what is stored. Answers the flag.
    async recheck() {
      try {
        const me = await client.get(ME_PATH);
        this.remember(me);
      } catch { /* offline: the stored flag stands */ }
      return this.required();
    },
    async change(oldPassword, newPassword) {
      const answer = await client.post(PASSWORD_PATH, { old_password: oldPassword, new_password: newPassword });
      saveLogin(storage, answer);
      this.remember(answer);
      return answer;
    },
    forget: () => storage.remove(CHANGE_FLAG),
  };
}
