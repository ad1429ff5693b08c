// 运营报表: the operations report for a range of Beijing days, downloaded as an Excel workbook.

import { MAX_DAYS, PRESETS, presetRange, rangeError } from '../dashboard.js';
import { REPORT_PATH, reportName } from '../exports.js';
import { beijingToday } from '../format.js';
import { ErrorBanner, saveFile } from './common.js';

const { ref, reactive, inject } = window.Vue;

export default {
  components: { ErrorBanner },
  setup() {
    const api = inject('api');
    const today = beijingToday();
    const range = reactive(presetRange(30, today));
    const error = ref(null);
    const busy = ref(false);
    const saved = ref('');

    function pick(days) {
      Object.assign(range, presetRange(days, today));
    }

    async function download() {
      saved.value = '';
      error.value = rangeError(range.from, range.to) || null;
      if (error.value) return;
      busy.value = true;
      try {
        const name = reportName(range.from, range.to);
        saveFile((await api.blob(REPORT_PATH, { query: { from: range.from, to: range.to } })).data, name);
        saved.value = `已生成 ${name}`;
      } catch (err) {
        error.value = err;
      } finally {
        busy.value = false;
      }
    }
    return { range, today, error, busy, saved, pick, download, PRESETS, MAX_DAYS };
  },
  template: `<section class="page reports">
    <div class="page-head"><h2>运营报表</h2></div>
    <p class="muted">按北京时间的日期区间（含首尾两天，最长 {{ MAX_DAYS }} 天）导出 Excel 报表，包含：办件按部门和状态、各部门按时办结率、
      好差评（五级评价与差评整改工单）、各渠道消息到达率。数字与同一区间的数据看板一致。</p>
    <form class="filters" @submit.prevent="download">
      <div class="range" role="group" aria-label="快捷区间">
        <button v-for="d in PRESETS" :key="d" type="button" class="btn btn-small" @click="pick(d)">近 {{ d }} 天</button>
      </div>
      <label>开始日期<input id="report-from" type="date" v-model="range.from" :max="today" required></label>
      <label>结束日期<input id="report-to" type="date" v-model="range.to" :max="today" required></label>
      <button class="btn btn-primary" type="submit" :disabled="busy">{{ busy ? '正在生成…' : '下载 Excel 报表' }}</button>
    </form>
    <ErrorBanner :error="error" summary></ErrorBanner>
    <p v-if="saved" class="notice" role="status">{{ saved }}</p>
  </section>`,
};
