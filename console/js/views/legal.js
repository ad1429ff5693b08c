// 协议与隐私政策: each document's versions and, for operators, a new version (residents are asked to
// agree again from its effective date on: models/legal.py).

import { LEGAL_KINDS, publishBody, sectionsToText } from '../legal.js';
import { dateTime } from '../format.js';
import { ErrorBanner } from './common.js';
import { store } from './store.js';

const { ref, reactive, inject, onMounted } = window.Vue;

export default {
  components: { ErrorBanner },
  setup() {
    const api = inject('api');
    const kind = ref('privacy');
    const versions = ref([]);
    const current = ref(null);
    const draft = reactive({ title: '', text: '', effective: '', changes: '' });
    const error = ref(null);
    const saving = ref(false);

    async function load() {
      error.value = null;
      try {
        const [list, text] = await Promise.all([api.get(`/api/v1/admin/legal/${kind.value}`),
          api.get(`/api/v1/legal/${kind.value}`)]);
        versions.value = list.data.versions;
        current.value = text.data;
        Object.assign(draft, { title: text.data.title, text: sectionsToText(text.data.sections), effective: '', changes: '' });
      } catch (err) {
        error.value = err;
      }
    }
    onMounted(load);

    async function publish() {
      const { body, error: problem } = publishBody(draft);
      if (problem) {
        error.value = problem;
        return;
      }
      saving.value = true;
      error.value = null;
      try {
        const doc = (await api.post(`/api/v1/admin/legal/${kind.value}`, body)).data;
        store.notice = `已发布第 ${doc.version} 版，居民将在生效后重新确认`;
        await load();
      } catch (err) {
        error.value = err;
      } finally {
        saving.value = false;
      }
    }
    return { kind, versions, current, draft, error, saving, load, publish, dateTime, LEGAL_KINDS };
  },
  template: `<section class="page legal">
    <div class="page-head"><h2>协议与隐私政策</h2>
      <label class="inline">文件<select v-model="kind" @change="load">
        <option v-for="k in LEGAL_KINDS" :key="k.kind" :value="k.kind">{{ k.label }}</option></select></label>
    </div>
    <ErrorBanner :error="error" :summary="true"></ErrorBanner>
    <table class="table compact legal-versions">
      <thead><tr><th>版本</th><th>标题</th><th>生效时间</th><th>更新说明</th><th>发布人</th></tr></thead>
      <tbody>
        <tr v-for="v in versions" :key="v.version" :class="{ current: current && v.version === current.version }">
          <td>第 {{ v.version }} 版<span v-if="current && v.version === current.version" class="muted">（现行）</span></td>
          <td>{{ v.title }}</td><td class="nowrap">{{ dateTime(v.effective_at) }}</td>
          <td>{{ v.changes || '—' }}</td><td>{{ v.published_by || '系统内置' }}</td>
        </tr>
      </tbody>
    </table>
    <form class="card legal-form" @submit.prevent="publish" novalidate>
      <h3>发布新版本</h3>
      <p class="muted">以现行版本为底稿修改。每一节以“【标题】”单独一行开头。发布后从生效时间起，居民登录时须重新阅读并同意。</p>
      <label>标题<input v-model="draft.title" maxlength="40"></label>
      <label>正文<textarea v-model="draft.text" rows="18"></textarea></label>
      <label>更新说明（向居民展示）<input v-model="draft.changes" maxlength="500" placeholder="如：增加了人脸核验的说明"></label>
      <label>生效时间（北京时间，留空为立即生效）<input v-model="draft.effective" type="datetime-local"></label>
      <p><button type="submit" class="btn btn-primary legal-publish" :disabled="saving">{{ saving ? '正在发布…' : '发布新版本' }}</button></p>
    </form>
  </section>`,
};
