// 审核发布: the menu and item changes operators submitted. A second operator approves one (at once,
// or at a time they choose) or rejects it with the reason; the server refuses the submitter's own
// decision (review.own_change) and a decision on a change someone else decided first (409).

import { dateTime } from '../format.js';
import { KIND_LABELS, STATE_LABELS, beijingInstant, changeLines, decision, reviewTitle, scheduleProblem, stateLine }
  from '../reviews.js';
import { ConfirmDialog, ErrorBanner } from './common.js';
import { itemsByCode, loadItems, notify, store } from './store.js';

const { ref, reactive, computed, inject, onMounted } = window.Vue;

const FILTERS = [['open', '待处理'], ['published', '已发布'], ['rejected', '已驳回'], ['all', '全部']];

export default {
  components: { ConfirmDialog, ErrorBanner },
  setup() {
    const api = inject('api');
    const reviews = ref([]);
    const mode = ref('optional');
    const filter = ref('open');
    const error = ref(null);
    const busy = ref(false);
    const acting = reactive({ open: false, what: '', review: null, comment: '', when: '', problem: '' });

    async function load() {
      error.value = null;
      try {
        const [answer] = await Promise.all([api.get('/api/v1/admin/reviews'), loadItems(api)]);
        reviews.value = answer.data.reviews;
        mode.value = answer.data.mode;
      } catch (err) {
        error.value = err;
      }
    }
    onMounted(load);

    const items = computed(() => itemsByCode());
    const shown = computed(() => reviews.value
      .filter((r) => filter.value === 'all' || (filter.value === 'open'
        ? ['pending', 'scheduled', 'publishing', 'failed'].includes(r.state) : r.state === filter.value))
      .map((r) => ({ ...r, title: reviewTitle(r, items.value), lines: changeLines(r, items.value),
        stateText: stateLine(r), decision: decision(r, store.staff) })));

    function start(what, review) {
      Object.assign(acting, { open: true, what, review, comment: '', when: '', problem: '' });
    }

    async function confirm() {
      const { what, review } = acting;
      if (what === 'reject' && !acting.comment.trim()) {
        acting.problem = '请填写驳回理由';
        return;
      }
      if (what === 'schedule') {
        acting.problem = scheduleProblem(acting.when);
        if (acting.problem) return;
      }
      busy.value = true;
      error.value = null;
      try {
        const path = `/api/v1/admin/reviews/${review.id}/${what === 'reject' ? 'reject' : 'approve'}`;
        const body = { comment: acting.comment.trim() };
        if (what === 'schedule') body.publish_at = beijingInstant(acting.when);
        // If-Match: the version we were shown; someone deciding first makes this a 409, not a second decision
        const done = (await api.post(path, body, { headers: { 'If-Match': `"${review.version}"` } })).data;
        notify(`${reviewTitle(done, items.value)}：${stateLine(done)}`);
        acting.open = false;
        await load();
      } catch (err) {
        acting.open = false;
        error.value = err;
        if (err.status === 409) await load();
      } finally {
        busy.value = false;
      }
    }

    const titles = { approve: '批准并立即发布', schedule: '批准并定时发布', reject: '驳回变更' };
    return { shown, mode, filter, error, busy, acting, start, confirm, titles, FILTERS, KIND_LABELS, STATE_LABELS, dateTime };
  },
  template: `<section class="page reviews">
    <div class="page-head"><h2>审核发布</h2>
      <nav class="tabs" aria-label="筛选">
        <button v-for="[key, text] in FILTERS" :key="key" type="button" class="tab" :class="{ active: filter === key }"
          :aria-pressed="filter === key" @click="filter = key">{{ text }}</button>
      </nav>
    </div>
    <p class="muted review-mode">{{ mode === 'required'
      ? '本市规定：菜单和事项的变更须由另一名运营人员审核后才能发布。'
      : '本市允许直接发布；需要他人把关的变更可在菜单管理中“提交审核”。' }}</p>
    <ErrorBanner :error="error"></ErrorBanner>
    <ul class="review-list">
      <li v-for="r in shown" :key="r.id" class="card review" :data-review="r.id" :data-state="r.state">
        <h3>{{ r.title }} <span class="tag" :class="'tag-' + r.state">{{ STATE_LABELS[r.state] || r.state }}</span></h3>
        <p class="muted">{{ r.submitted_by }} 于 {{ dateTime(r.submitted_at) }} 提交<template v-if="r.comment">：{{ r.comment }}</template></p>
        <ul class="diff"><li v-for="l in r.lines" :key="l">{{ l }}</li></ul>
        <p v-if="r.reviewed_by" class="muted">{{ r.reviewed_by }} 于 {{ dateTime(r.reviewed_at) }} 审核 · {{ r.stateText }}</p>
        <div v-if="r.decision.allowed" class="review-actions">
          <button v-if="r.decision.approve" type="button" class="btn btn-primary" @click="start('approve', r)">批准发布</button>
          <button v-if="r.decision.approve" type="button" class="btn" @click="start('schedule', r)">定时发布…</button>
          <button type="button" class="btn btn-danger" @click="start('reject', r)">驳回…</button>
        </div>
        <p v-else-if="r.decision.why" class="muted own">{{ r.decision.why }}</p>
      </li>
      <li v-if="!shown.length" class="muted">没有{{ filter === 'open' ? '待处理的' : '' }}变更</li>
    </ul>
    <ConfirmDialog :open="acting.open" :title="titles[acting.what] || ''" :busy="busy" :danger="acting.what === 'reject'"
      :confirm-text="acting.what === 'reject' ? '确认驳回' : acting.what === 'schedule' ? '确认定时发布' : '确认发布'"
      @confirm="confirm" @cancel="acting.open = false">
      <template v-if="acting.review">
        <p>{{ acting.review.submitted_by }} 提交的{{ KIND_LABELS[acting.review.kind] }}变更：</p>
        <ul class="diff"><li v-for="l in acting.review.lines" :key="l">{{ l }}</li></ul>
      </template>
      <label v-if="acting.what === 'schedule'">发布时间（北京时间）<input type="datetime-local" v-model="acting.when" name="publish_at"></label>
      <label>{{ acting.what === 'reject' ? '驳回理由' : '审核意见（可选）' }}<input v-model="acting.comment" maxlength="200" name="review_comment"></label>
      <p v-if="acting.problem" class="field-error" role="alert">{{ acting.problem }}</p>
    </ConfirmDialog>
  </section>`,
};
