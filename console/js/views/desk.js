// 办件工作台: the department's open applications, soonest due first, with search and filters.

import { OPEN_STATES, STATE_LABELS, claimState, conflictText, dueStatus, queueQuery } from '../desk.js';
import { dateTime } from '../format.js';
import { ErrorBanner } from './common.js';
import { notify, store } from './store.js';

const { ref, reactive, computed, inject, onMounted } = window.Vue;

export default {
  components: { ErrorBanner },
  setup() {
    const api = inject('api');
    const filters = reactive({ q: '', state: '', claimed: '' });
    const apps = ref([]);
    const error = ref(null);
    const loading = ref(false);

    async function load() {
      loading.value = true;
      error.value = null;
      try {
        apps.value = (await api.get('/api/v1/staff/applications', { query: queueQuery(filters) })).data.applications;
      } catch (err) {
        error.value = err;
      } finally {
        loading.value = false;
      }
    }
    onMounted(load);

    async function claim(app) {
      error.value = null;
      try {
        await api.post(`/api/v1/staff/applications/${app.number}/claim`);
        notify(`已认领办件 ${app.number}`);
      } catch (err) {
        error.value = conflictText(err) || err;
      }
      await load();
    }

    const me = computed(() => store.staff?.username);
    const rows = computed(() => apps.value.map((a) => ({ ...a, due: dueStatus(a), claim: claimState(a, me.value),
      stateText: STATE_LABELS[a.state] || a.state, submitted: dateTime(a.submitted_at) })));
    const counts = computed(() => ({
      overdue: rows.value.filter((r) => r.due.level === 'overdue').length,
      today: rows.value.filter((r) => r.due.level === 'today').length,
      waiting: rows.value.filter((r) => r.state === 'supplement_required').length,
    }));
    return { filters, rows, counts, error, loading, load, claim, OPEN_STATES, STATE_LABELS };
  },
  template: `<section class="page desk">
    <div class="page-head"><h2>办件工作台</h2>
      <span class="muted" aria-live="polite">共 {{ rows.length }} 件：已逾期 {{ counts.overdue }} 件，今日到期 {{ counts.today }} 件，待补正 {{ counts.waiting }} 件</span>
    </div>
    <form class="filters" role="search" @submit.prevent="load">
      <label class="inline">搜索<input v-model="filters.q" type="search" name="q" maxlength="40" placeholder="办件编号、事项编码或名称"></label>
      <label class="inline">状态<select v-model="filters.state" name="state" @change="load">
        <option value="">全部未办结</option>
        <option v-for="s in OPEN_STATES" :key="s" :value="s">{{ STATE_LABELS[s] }}</option>
      </select></label>
      <label class="inline">认领<select v-model="filters.claimed" name="claimed" @change="load">
        <option value="">全部</option><option value="mine">我认领的</option><option value="unclaimed">未认领</option>
      </select></label>
      <button class="btn btn-primary" type="submit" :disabled="loading">查询</button>
    </form>
    <ErrorBanner :error="error"></ErrorBanner>
    <p v-if="!loading && !rows.length && !error" class="muted">没有符合条件的办件。</p>
    <table v-if="rows.length" class="table queue">
      <thead><tr><th>办件编号</th><th>事项</th><th>状态</th><th>提交时间</th><th>办理时限</th><th>认领人</th><th>操作</th></tr></thead>
      <tbody>
        <tr v-for="r in rows" :key="r.number" :data-number="r.number" :class="'due-' + r.due.level">
          <td class="mono"><a :href="'#/desk/' + r.number">{{ r.number }}</a></td>
          <td>{{ r.item_name }} <span class="muted mono">{{ r.item_code }}</span></td>
          <td><span class="tag" :class="'state-' + r.state">{{ r.stateText }}</span></td>
          <td class="nowrap">{{ r.submitted }}</td>
          <td class="nowrap">{{ r.due_date }} <span class="due" :class="'due-text-' + r.due.level">{{ r.due.text }}</span></td>
          <td>{{ r.assignee || '未认领' }}</td>
          <td class="nowrap">
            <button v-if="r.claim === 'free'" class="btn btn-small" type="button" @click="claim(r)"
              :aria-label="'认领 ' + r.number">认领</button>
            <a class="btn btn-small" :href="'#/desk/' + r.number" :aria-label="'办理 ' + r.number">办理</a>
          </td>
        </tr>
      </tbody>
    </table>
  </section>`,
};
