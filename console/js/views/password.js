// 修改密码: shown instead of the console while the account holds a temporary password (set by an
// admin); the server opens nothing else to that login until the change is made.

import { errorText } from '../errors.js';
import { PASSWORD_RULE, changeProblems } from '../staff.js';
import { notify, store } from './store.js';

const { ref, reactive, computed, inject } = window.Vue;

export default {
  emits: ['logout'],
  setup() {
    const api = inject('api');
    const form = reactive({ oldPassword: '', newPassword: '', repeat: '' });
    const tried = ref(false);
    const busy = ref(false);
    const error = ref('');
    const server = ref({});
    const problems = computed(() => (tried.value ? { ...changeProblems(form), ...server.value } : server.value));

    async function submit() {
      tried.value = true;
      server.value = {};
      error.value = '';
      if (Object.keys(changeProblems(form)).length) return;
      busy.value = true;
      try {
        const session = await api.changePassword(form.oldPassword, form.newPassword);
        store.staff = session.staff;
        notify('密码已修改，请使用新密码登录其他设备');
      } catch (err) {
        error.value = errorText(err);
        server.value = Object.fromEntries(Object.entries(err.details || {}).map(([k, v]) => [k, [].concat(v)[0]]));
      } finally {
        busy.value = false;
      }
    }
    return { form, problems, busy, error, submit, PASSWORD_RULE };
  },
  template: `<div class="login-page">
    <form class="login-box" @submit.prevent="submit" novalidate>
      <h1>修改初始密码</h1>
      <div class="alert alert-info">您的密码由管理员设置，为保障账号安全，请先设置自己的密码后再使用运营管理台。</div>
      <div v-if="error" class="alert alert-error" role="alert">{{ error }}</div>
      <label>当前密码<input v-model="form.oldPassword" name="old_password" type="password" autocomplete="current-password" maxlength="256"></label>
      <p v-if="problems.old_password" class="field-error" role="alert">{{ problems.old_password }}</p>
      <label>新密码（{{ PASSWORD_RULE }}）<input v-model="form.newPassword" name="new_password" type="password" autocomplete="new-password" maxlength="256"></label>
      <p v-if="problems.new_password" class="field-error" role="alert">{{ problems.new_password }}</p>
      <label>再次输入新密码<input v-model="form.repeat" name="repeat" type="password" autocomplete="new-password" maxlength="256"></label>
      <p v-if="problems.repeat" class="field-error" role="alert">{{ problems.repeat }}</p>
      <button class="btn btn-primary btn-block" type="submit" :disabled="busy">{{ busy ? '正在保存…' : '修改密码' }}</button>
      <button class="btn btn-block" type="button" @click="$emit('logout')">退出登录</button>
    </form>
  </div>`,
};
