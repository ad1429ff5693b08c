// 操作日志: operators' actions, newest first, with what they changed; filtered by person, action,
// object and Beijing days, and exported (Excel or CSV) with the same filters.

import { ACTION_LABELS, ROLE_LABELS, detailLines, targetName } from '../audit.js';
import { CHANNEL_LABELS, label } from '../forms.js';
import { AUDIT_EXPORTS, auditExportName, auditQuery, auditRangeError } from '../exports.js';
import { beijingToday, dateTime } from '../format.js';
import { CHANNELS } from '../route.js';
import { ErrorBanner, saveFile } from './common.js';
import { itemsByCode, loadItems } from './store.js';

const { ref, reactive, computed, inject, onMounted } = window.Vue;

export default {
  components: { ErrorBanner },
  setup() {
    const api = inject('api');
    const filters = reactive({ target: '', item: '', action: '', actor: '', from: '', to: '', limit: 50 });
    const today = beijingToday();
    const exporting = ref('');
    const entries = ref([]);
    const error = ref(null);
    const loading = ref(false);

    const next = ref(null); // the server's cursor of the next page; null on the last

    // more: append the next page of the same query instead of starting again
    async function load(more = false) {
      error.value = auditRangeError(filters) || null;
      if (error.value) return;
      loading.value = true;
      try {
        await loadItems(api).catch(() => {}); // names only; the log shows codes without them
        const query = { ...auditQuery(filters), limit: filters.limit, cursor: more === true ? next.value : '' };
        const page = (await api.get('/api/v1/admin/audit', { query })).data;
        entries.value = more === true ? [...entries.value, ...page.entries] : page.entries;
        next.value = page.next_cursor;
      } catch (err) {
        error.value = err;
      } finally {
        loading.value = false;
      }
    }
    onMounted(load);

    async function download(format) {
      error.value = auditRangeError(filters) || null;
      if (error.value) return;
      exporting.value = format;
      try {
        const blob = (await api.blob('/api/v1/admin/audit/export', { query: { ...auditQuery(filters), format } })).data;
        saveFile(blob, auditExportName(format, today));
      } catch (err) {
        error.value = err;
      } finally {
        exporting.value = '';
      }
    }

    const rows = computed(() => {
      const items = itemsByCode();
      return entries.value.map((e) => ({ ...e, when: dateTime(e.at), what: label(ACTION_LABELS, e.action),
        role: label(ROLE_LABELS, e.role), on: targetName(e.target, items), lines: detailLines(e, items) }));
    });
    return { filters, rows, next, error, loading, load, label, CHANNELS, CHANNEL_LABELS, ACTION_LABELS, today, download,
      exporting, AUDIT_EXPORTS };
  },
  template: `<section class="page audit">
    <div class="page-head"><h2>操作日志</h2></div>
    <form class="filters" @submit.prevent="load()">
      <label>操作人<input id="audit-actor" v-model="filters.actor" autocomplete="off" placeholder="用户名或人员 ID"></label>
      <label>开始日期<input id="audit-from" type="date" v-model="filters.from" :max="today"></label>
      <label>结束日期<input id="audit-to" type="date" v-model="filters.to" :max="today"></label>
      <select v-model="filters.target" aria-label="对象">
        <option value="">全部对象</option>
        <option v-for="c in CHANNELS" :key="c" :value="'menu:' + c">{{ label(CHANNEL_LABELS, c) }}菜单</option>
        <option value="item">指定事项…</option>
      </select>
      <input v-if="filters.target === 'item'" v-model="filters.item" class="mono" placeholder="事项编码，如 SB0001" aria-label="事项编码">
      <select v-model="filters.action" aria-label="操作">
        <option value="">全部操作</option>
        <option v-for="(text, a) in ACTION_LABELS" :key="a" :value="a">{{ text }}</option>
      </select>
      <select v-model.number="filters.limit" aria-label="条数">
        <option :value="50">每页 50 条</option><option :value="200">每页 200 条</option><option :value="500">每页 500 条</option>
      </select>
      <button class="btn btn-primary" type="submit" :disabled="loading">查询</button>
      <button v-for="e in AUDIT_EXPORTS" :key="e.format" class="btn" type="button" :disabled="Boolean(exporting)"
        @click="download(e.format)">{{ exporting === e.format ? '正在导出…' : e.label }}</button>
    </form>
    <p class="muted">导出包含符合当前筛选条件的全部记录（最多 5 万条），导出操作本身也会记入日志。</p>
    <ErrorBanner :error="error"></ErrorBanner>
    <table class="table">
      <thead><tr><th>时间</th><th>操作人</th><th>操作</th><th>对象</th><th>内容</th></tr></thead>
      <tbody>
        <tr v-for="(r, i) in rows" :key="i" :data-action="r.action">
          <td class="nowrap">{{ r.when }}</td>
          <td>{{ r.actor }}<div class="muted">{{ r.role }}</div></td>
          <td>{{ r.what }}</td>
          <td>{{ r.on }}</td>
          <td><ul class="diff"><li v-for="l in r.lines" :key="l">{{ l }}</li></ul></td>
        </tr>
        <tr v-if="!rows.length && !loading"><td colspan="5" class="muted center">没有记录</td></tr>
      </tbody>
    </table>
    <div v-if="next" class="center"><button type="button" class="btn audit-more" @click="load(true)" :disabled="loading">加载更早的记录</button></div>
  </section>`,
};
