// The login form. A locked account (429) keeps the button off until Retry-After has passed.

import { errorText } from '../errors.js';
import { countdown } from '../format.js';
import { allowed, refusal } from '../route.js';
import { store } from './store.js';

const { ref, computed, watch, inject, onBeforeUnmount } = window.Vue;

export default {
  props: { reason: String },
  emits: ['done'],
  setup(props, { emit }) {
    const api = inject('api');
    const username = ref('');
    const password = ref('');
    const busy = ref(false);
    const error = ref('');
    const waitUntil = ref(0);
    const now = ref(Date.now());
    const timer = setInterval(() => { now.value = Date.now(); }, 1000);
    onBeforeUnmount(() => clearInterval(timer));
    const waitSeconds = computed(() => Math.max(0, Math.ceil((waitUntil.value - now.value) / 1000)));
    watch(username, () => { waitUntil.value = 0; }); // the lock is per account

    async function submit() {
      error.value = '';
      busy.value = true;
      try {
        const session = await api.login(username.value.trim(), password.value);
        if (!allowed(session.staff)) {
          error.value = refusal(session.staff);
          await api.logout(); // do not keep a session the console will not use
          return;
        }
        store.staff = session.staff;
        password.value = '';
        emit('done');
      } catch (err) {
        error.value = errorText(err);
        if (err.status === 429 && err.retryAfter) {
          now.value = Date.now();
          waitUntil.value = now.value + err.retryAfter * 1000;
        }
      } finally {
        busy.value = false;
      }
    }
    return { username, password, busy, error, waitSeconds, submit, props, countdown };
  },
  template: `<div class="login-page">
    <form class="login-box" @submit.prevent="submit" novalidate>
      <h1>政务服务运营管理台</h1>
      <p class="muted">供运营人员管理服务事项、渠道菜单，查看办件绩效</p>
      <div v-if="props.reason && !error" class="alert alert-info">{{ props.reason }}</div>
      <div v-if="error" class="alert alert-error login-error" role="alert">{{ error }}</div>
      <label>用户名<input v-model="username" name="username" autocomplete="username" required maxlength="64"></label>
      <label>密码<input v-model="password" name="password" type="password" autocomplete="current-password" required maxlength="256"></label>
      <button class="btn btn-primary btn-block" type="submit" :disabled="busy || waitSeconds > 0 || !username || !password">
        {{ busy ? '正在登录…' : waitSeconds > 0 ? countdown(waitSeconds) + '后可重试' : '登录' }}</button>
    </form>
  </div>`,
};
