// 事项管理: every item in any status, filtered here (the admin list returns them all).

import { CHANNEL_LABELS, KIND_LABELS, STATUS_LABELS, filterItems, label } from '../forms.js';
import { enumOf } from '../schema.js';
import { dateTime } from '../format.js';
import { ErrorBanner } from './common.js';
import { loadItems, loadSpec, store } from './store.js';

const { ref, reactive, computed, inject, onMounted } = window.Vue;

export default {
  components: { ErrorBanner },
  setup() {
    const api = inject('api');
    const filters = reactive({ category: '', status: '', channel: '', search: '' });
    const error = ref(null);
    const loading = ref(true);

    onMounted(async () => {
      try {
        await Promise.all([loadSpec(api), loadItems(api, true)]);
      } catch (err) {
        error.value = err;
      } finally {
        loading.value = false;
      }
    });

    const choices = computed(() => ({
      category: enumOf(store.spec, 'ItemIn', 'category'),
      status: enumOf(store.spec, 'ItemIn', 'status'),
      channel: enumOf(store.spec, 'ItemIn', 'channels'),
    }));
    const shown = computed(() => filterItems(store.items || [], filters));
    return { store, filters, error, loading, choices, shown, label, dateTime, CHANNEL_LABELS, KIND_LABELS, STATUS_LABELS };
  },
  template: `<section class="page items">
    <div class="page-head">
      <h2>事项管理</h2>
      <a class="btn btn-primary" href="#/items/new">新建事项</a>
    </div>
    <ErrorBanner :error="error"></ErrorBanner>
    <div class="filters">
      <input v-model="filters.search" type="search" placeholder="按编码、名称或关键词搜索" aria-label="搜索">
      <select v-model="filters.category" aria-label="分类"><option value="">全部分类</option>
        <option v-for="c in choices.category" :key="c" :value="c">{{ c }}</option></select>
      <select v-model="filters.status" aria-label="状态"><option value="">全部状态</option>
        <option v-for="s in choices.status" :key="s" :value="s">{{ label(STATUS_LABELS, s) }}</option></select>
      <select v-model="filters.channel" aria-label="渠道"><option value="">全部渠道</option>
        <option v-for="c in choices.channel" :key="c" :value="c">{{ label(CHANNEL_LABELS, c) }}</option></select>
      <span class="muted">共 {{ shown.length }} 项</span>
    </div>
    <p v-if="loading" class="muted">正在加载…</p>
    <table v-else class="table">
      <thead><tr><th>编码</th><th>名称</th><th>分类</th><th>部门</th><th>类型</th><th>渠道</th><th>状态</th><th>版本</th><th>最后修改</th></tr></thead>
      <tbody>
        <tr v-for="item in shown" :key="item.code">
          <td><a :href="'#/items/' + item.code">{{ item.code }}</a></td>
          <td><a :href="'#/items/' + item.code">{{ item.name }}</a></td>
          <td>{{ item.category }}</td><td>{{ item.department_name }}</td><td>{{ label(KIND_LABELS, item.kind) }}</td>
          <td>{{ item.channels.map((c) => label(CHANNEL_LABELS, c)).join('、') }}</td>
          <td><span class="tag" :class="'tag-' + item.status">{{ label(STATUS_LABELS, item.status) }}</span></td>
          <td class="num">{{ item.version }}</td><td>{{ dateTime(item.updated_at) }} {{ item.updated_by }}</td>
        </tr>
        <tr v-if="!shown.length"><td colspan="9" class="muted center">没有符合条件的事项</td></tr>
      </tbody>
    </table>
  </section>`,
};
