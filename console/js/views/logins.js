// 登录记录: every staff login attempt for admins (filter by person, result and day); everyone
// else sees their own recent logins, so they notice a stranger's attempt on their account.

import { LOGIN_OUTCOMES, auditRangeError, loginRows } from '../exports.js';
import { beijingToday, dateTime } from '../format.js';
import { ErrorBanner } from './common.js';
import { store } from './store.js';

const { ref, reactive, computed, inject, onMounted } = window.Vue;

export default {
  components: { ErrorBanner },
  setup() {
    const api = inject('api');
    const admin = computed(() => store.staff?.role === 'admin');
    const filters = reactive({ username: '', outcome: '', from: '', to: '' });
    const logins = ref([]);
    const next = ref(null);
    const error = ref(null);
    const loading = ref(false);
    const today = beijingToday();

    async function load(more = false) {
      error.value = auditRangeError(filters) || null;
      if (error.value) return;
      loading.value = true;
      try {
        if (admin.value) {
          const query = { username: filters.username.trim(), outcome: filters.outcome, from: filters.from, to: filters.to,
            cursor: more === true ? next.value : '' };
          const page = (await api.get('/api/v1/admin/logins', { query })).data;
          logins.value = more === true ? [...logins.value, ...page.logins] : page.logins;
          next.value = page.next_cursor;
        } else {
          logins.value = (await api.get('/api/v1/auth/staff/logins')).data.logins;
        }
      } catch (err) {
        error.value = err;
      } finally {
        loading.value = false;
      }
    }
    onMounted(load);
    const rows = computed(() => loginRows(logins.value, dateTime));
    return { admin, filters, rows, next, error, loading, load, today, LOGIN_OUTCOMES };
  },
  template: `<section class="page logins">
    <div class="page-head"><h2>{{ admin ? '登录记录' : '我的最近登录' }}</h2></div>
    <p v-if="!admin" class="muted">最近 20 次以您的用户名进行的登录尝试。如有不是您本人的记录，请及时修改密码并告知管理员。</p>
    <form v-if="admin" class="filters" @submit.prevent="load()">
      <label>用户名<input id="logins-username" v-model="filters.username" autocomplete="off" placeholder="全部人员"></label>
      <label>结果
        <select id="logins-outcome" v-model="filters.outcome" aria-label="结果">
          <option value="">全部结果</option>
          <option v-for="(text, o) in LOGIN_OUTCOMES" :key="o" :value="o">{{ text }}</option>
        </select>
      </label>
      <label>开始日期<input id="logins-from" type="date" v-model="filters.from" :max="today"></label>
      <label>结束日期<input id="logins-to" type="date" v-model="filters.to" :max="today"></label>
      <button class="btn btn-primary" type="submit" :disabled="loading">查询</button>
    </form>
    <ErrorBanner :error="error" summary></ErrorBanner>
    <table class="table">
      <thead><tr><th>时间</th><th v-if="admin">用户名</th><th>结果</th><th>方式</th><th>IP 地址</th><th>浏览器</th></tr></thead>
      <tbody>
        <tr v-for="(r, i) in rows" :key="i" :data-outcome="r.outcome">
          <td class="nowrap">{{ r.when }}</td>
          <td v-if="admin">{{ r.username }}</td>
          <td :class="{ 'text-danger': r.failed }">{{ r.result }}</td>
          <td>{{ r.method_label }}</td>
          <td class="mono">{{ r.address }}</td>
          <td :title="r.user_agent">{{ r.browser }}</td>
        </tr>
        <tr v-if="!rows.length && !loading"><td :colspan="admin ? 6 : 5" class="muted center">没有记录</td></tr>
      </tbody>
    </table>
    <div v-if="next" class="center"><button type="button" class="btn" @click="load(true)" :disabled="loading">加载更早的记录</button></div>
  </section>`,
};
