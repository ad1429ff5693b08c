// 绩效评估: KPI tiles, four charts and the overdue list for a range of Beijing days.

import { arrivalBars, departmentStates, deliveryWindow, loginSeries, overdueRows, presetRange, PRESETS,
  rangeError, ratingBars, tiles } from '../dashboard.js';
import { beijingToday, decimal, number, percent } from '../format.js';
import { ErrorBanner } from './common.js';
import ChartBox from './chart.js';

const { ref, reactive, computed, inject, onMounted } = window.Vue;

const STACKED = { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } };
const COUNTS = { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } };
const PERCENT = { scales: { y: { beginAtZero: true, max: 100, ticks: { callback: (v) => `${v}%` } } } };

export default {
  components: { ErrorBanner, ChartBox },
  setup() {
    const api = inject('api');
    const today = beijingToday();
    const range = reactive({ preset: 30, ...presetRange(30, today) });
    const summary = ref(null);
    const stats = ref(null);
    const error = ref(null);
    const statsError = ref(null);
    const loading = ref(false);

    async function load() {
      const invalid = rangeError(range.from, range.to);
      if (invalid) {
        error.value = invalid;
        return;
      }
      loading.value = true;
      error.value = null;
      statsError.value = null;
      const [figures, delivery] = await Promise.allSettled([
        api.get('/api/v1/admin/dashboard', { query: { from: range.from, to: range.to } }),
        api.get('/api/v1/admin/deliveries/stats', { query: deliveryWindow(range.from, range.to) }),
      ]);
      if (figures.status === 'fulfilled') summary.value = figures.value.data;
      else error.value = figures.reason;
      if (delivery.status === 'fulfilled') stats.value = delivery.value.data;
      else {
        stats.value = null;
        statsError.value = delivery.reason;
      }
      loading.value = false;
    }

    function pick(days) {
      range.preset = days;
      if (days) Object.assign(range, presetRange(days, today));
      if (days) load();
    }

    onMounted(load);
    const view = computed(() => summary.value && {
      tiles: tiles(summary.value, stats.value),
      states: departmentStates(summary.value),
      logins: loginSeries(summary.value),
      ratings: ratingBars(summary.value),
      arrival: arrivalBars(stats.value),
      overdue: overdueRows(summary.value),
    });
    return { range, summary, view, error, statsError, loading, load, pick, PRESETS, today, STACKED, COUNTS, PERCENT,
      number, percent, decimal };
  },
  template: `<section class="page dashboard">
    <div class="page-head">
      <h2>数据看板</h2>
      <div class="range" role="group" aria-label="统计区间">
        <button v-for="d in PRESETS" :key="d" type="button" class="btn btn-small" :class="{ 'btn-primary': range.preset === d }"
          @click="pick(d)">近 {{ d }} 天</button>
        <button type="button" class="btn btn-small" :class="{ 'btn-primary': !range.preset }" @click="pick(0)">自定义</button>
        <template v-if="!range.preset">
          <input type="date" v-model="range.from" :max="today" aria-label="开始日期">
          <span>至</span>
          <input type="date" v-model="range.to" :max="today" aria-label="结束日期">
          <button type="button" class="btn btn-small btn-primary" @click="load">查询</button>
        </template>
      </div>
    </div>
    <ErrorBanner :error="error" summary></ErrorBanner>
    <p v-if="summary" class="muted">统计区间：{{ summary.from }} 至 {{ summary.to }}（北京时间，按提交日期统计办件）{{ loading ? ' · 正在更新…' : '' }}</p>
    <p v-else-if="loading" class="muted">正在加载…</p>
    <template v-if="view">
      <div class="tiles">
        <div v-for="t in view.tiles" :key="t.key" class="tile" :class="{ alert: t.alert }" :data-tile="t.key">
          <div class="tile-label">{{ t.label }}</div>
          <div class="tile-value">{{ t.value }}</div>
          <div class="tile-hint">{{ t.hint }}</div>
        </div>
      </div>
      <div class="charts">
        <figure class="card">
          <figcaption>各部门办件状态</figcaption>
          <ChartBox type="bar" :data="view.states" :options="STACKED" label="各部门办件状态"></ChartBox>
          <p v-if="view.states.empty" class="chart-empty">区间内暂无办件</p>
        </figure>
        <figure class="card">
          <figcaption>各渠道每日登录人次</figcaption>
          <ChartBox type="line" :data="view.logins" :options="COUNTS" label="各渠道每日登录人次"></ChartBox>
          <p v-if="view.logins.empty" class="chart-empty">区间内暂无登录</p>
        </figure>
        <figure class="card">
          <figcaption>好差评分布</figcaption>
          <ChartBox type="bar" :data="view.ratings" :options="{ ...COUNTS, plugins: { legend: { display: false } } }" label="好差评分布"></ChartBox>
          <p v-if="view.ratings.empty" class="chart-empty">区间内暂无评价</p>
        </figure>
        <figure class="card">
          <figcaption>各渠道受理率与到达率（到达率按平台回执）</figcaption>
          <ErrorBanner :error="statsError"></ErrorBanner>
          <ChartBox v-if="!statsError" type="bar" :data="view.arrival" :options="PERCENT" label="各渠道消息到达率"></ChartBox>
          <p v-if="!statsError && view.arrival.empty" class="chart-empty">区间内暂无消息推送</p>
          <table v-if="view.arrival.rows.length" class="table compact">
            <thead><tr><th>渠道</th><th>受理率</th><th>到达率（回执）</th><th>10 秒内送达</th><th>已受理待回执</th><th>送达</th>
              <th>失败</th><th>总数</th><th>受理时延 P50 / P95</th></tr></thead>
            <tbody><tr v-for="r in [...view.arrival.rows, ...(view.arrival.total ? [view.arrival.total] : [])]" :key="r.channel">
              <td>{{ r.channel }}</td><td>{{ r.acceptance }}</td><td>{{ r.rate }}</td><td>{{ r.fast }}</td><td>{{ r.accepted }}</td>
              <td>{{ r.delivered }}</td><td>{{ r.failed }}</td><td>{{ r.total }}</td>
              <td>{{ r.p50 === null ? '—' : r.p50 + ' ms' }} / {{ r.p95 === null ? '—' : r.p95 + ' ms' }}</td></tr></tbody>
          </table>
        </figure>
      </div>
      <h3>各部门</h3>
      <table class="table departments">
        <thead><tr><th>部门</th><th>办件</th><th>办结</th><th>按时办结率</th><th>逾期</th><th>评价数</th><th>均分</th></tr></thead>
        <tbody><tr v-for="d in summary.departments" :key="d.department">
          <td>{{ d.name }}</td><td>{{ number(d.total) }}</td><td>{{ number(d.finished) }}</td><td>{{ percent(d.on_time_rate) }}</td>
          <td>{{ number(d.overdue) }}</td><td>{{ number(d.ratings) }}</td><td>{{ decimal(d.rating_average) }}</td></tr></tbody>
      </table>
      <h3>差评整改 <span class="muted">（不满意、非常不满意评价生成的整改工单；按生成日期统计）</span></h3>
      <div class="ticket-figures card" v-if="summary.tickets">
        <p>当前未办结工单 <strong class="figure" data-figure="open-tickets">{{ number(summary.tickets.open) }}</strong> 件；
          区间内已办结 <strong class="figure" data-figure="closed-tickets">{{ number(summary.tickets.closed) }}</strong> 件，
          按时办结率 <strong class="figure" data-figure="tickets-on-time">{{ percent(summary.tickets.on_time_rate) }}</strong>
          <a href="#/tickets">查看工单</a></p>
        <table v-if="summary.tickets.departments.length" class="table compact ticket-departments">
          <thead><tr><th>部门</th><th>生成</th><th>未办结</th><th>已办结</th><th>按时办结率</th><th>平均办结用时</th></tr></thead>
          <tbody><tr v-for="d in summary.tickets.departments" :key="d.department">
            <td>{{ d.name }}</td><td>{{ number(d.opened) }}</td><td>{{ number(d.open) }}</td><td>{{ number(d.closed) }}</td>
            <td>{{ percent(d.on_time_rate) }}</td><td>{{ d.avg_close_hours === null ? '—' : d.avg_close_hours + ' 小时' }}</td></tr></tbody>
        </table>
      </div>
      <h3>逾期办件 <span class="muted">（当前仍在办理且已超过承诺时限，最多列出 50 件）</span></h3>
      <table class="table overdue">
        <thead><tr><th>办件编号</th><th>事项</th><th>部门</th><th>状态</th><th>承诺办结日</th><th>逾期天数</th><th>提交时间</th><th>经办人</th></tr></thead>
        <tbody>
          <tr v-for="o in view.overdue" :key="o.number">
            <td>{{ o.number }}</td><td>{{ o.item }}</td><td>{{ o.department }}</td><td>{{ o.state }}</td><td>{{ o.due }}</td>
            <td class="num">{{ o.days }}</td><td>{{ o.submitted }}</td><td>{{ o.assignee }}</td></tr>
          <tr v-if="!view.overdue.length"><td colspan="8" class="muted center">暂无逾期办件</td></tr>
        </tbody>
      </table>
    </template>
  </section>`,
};
