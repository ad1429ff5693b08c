// One application on the workbench: claim or release it, its form (sensitive answers revealed on
// demand, each reveal audited by the server), its materials in the viewer, its timeline, and the
// actions its state allows, each with its comment.

import { ACTIONS, STATE_LABELS, TIMELINE_LABELS, actionProblems, claimState, conflictText, dueStatus,
  transitionBody } from '../desk.js';
import { dateTime } from '../format.js';
import { ErrorBanner } from './common.js';
import Viewer from './viewer.js';
import { notify, store } from './store.js';

const { ref, reactive, computed, inject, onMounted } = window.Vue;

export default {
  components: { ErrorBanner, Viewer },
  props: { number: String },
  setup(props) {
    const api = inject('api');
    const base = `/api/v1/staff/applications/${props.number}`;
    const app = ref(null);
    const item = ref(null);
    const error = ref(null);
    const conflict = ref('');
    const busy = ref(false);
    const revealed = reactive({});
    const viewing = ref(null);
    const action = ref('');
    const input = reactive({ comment: '', materials: [], result: '', resultName: '' });
    const tried = ref(false);

    async function load() {
      try {
        app.value = (await api.get(base)).data;
      } catch (err) {
        error.value = err;
        return;
      }
      if (!item.value) {
        try {
          item.value = (await api.get(`/api/v1/items/${app.value.item_code}`, { auth: false })).data;
        } catch {
          item.value = null; // an unpublished item: codes stand in for names
        }
      }
    }
    onMounted(load);

    // Run a call; a conflict reloads the application and explains what happened.
    async function run(call, done) {
      busy.value = true;
      error.value = null;
      conflict.value = '';
      try {
        app.value = (await call()).data;
        if (done) notify(done);
        return true;
      } catch (err) {
        const text = conflictText(err);
        if (text) {
          conflict.value = text;
          await load();
        } else error.value = err;
        return false;
      } finally {
        busy.value = false;
      }
    }

    const claim = () => run(() => api.post(`${base}/claim`), `已认领办件 ${props.number}`);
    const release = () => run(() => api.post(`${base}/release`), '已释放认领，办件回到待认领队列');

    async function reveal(name) {
      error.value = null;
      try {
        const answer = (await api.post(`${base}/reveal`, { fields: [name] })).data;
        Object.assign(revealed, answer.fields);
      } catch (err) {
        error.value = err;
      }
    }

    function choose(name) {
      action.value = name;
      tried.value = false;
      Object.assign(input, { comment: '', materials: [], result: '', resultName: '' });
    }

    async function pickResult(event) {
      const file = event.target.files[0];
      input.result = '';
      input.resultName = '';
      if (!file) return;
      error.value = null;
      try {
        const up = (await api.upload(`/api/v1/staff/uploads?filename=${encodeURIComponent(file.name)}`, file)).data;
        input.result = up.id;
        input.resultName = file.name;
      } catch (err) {
        error.value = err;
      }
    }

    const problems = computed(() => (action.value ? actionProblems(action.value, input) : []));
    async function send() {
      tried.value = true;
      if (problems.value.length) return;
      const rule = ACTIONS[action.value];
      const ok = await run(() => api.post(`${base}/transitions`, transitionBody(action.value, app.value.version, input)),
        `已${rule.label}：${props.number}`);
      if (ok) action.value = '';
    }

    const fieldDefs = computed(() => Object.fromEntries((item.value?.form || []).map((f) => [f.name, f])));
    // a choice shows its label ("补领"), not its stored value ("reissue")
    function answerText(def, value) {
      const options = def?.options || [];
      const text = (v) => options.find((o) => o.value === v)?.label ?? v;
      return Array.isArray(value) ? value.map(text).join('、') : text(value);
    }
    const materialChoices = computed(() => (item.value?.materials?.length ? item.value.materials : app.value?.materials || [])
      .map((m) => ({ code: m.code, name: m.name })));
    const formRows = computed(() => Object.entries(app.value?.form || {}).map(([key, value]) => ({
      key, label: fieldDefs.value[key]?.label || key, masked: (app.value.masked_fields || []).includes(key),
      value: key in revealed ? revealed[key] : answerText(fieldDefs.value[key], value), shown: key in revealed })));
    const who = computed(() => claimState(app.value || {}, store.staff?.username));
    const isAdmin = computed(() => store.staff?.role === 'admin');
    const canAct = computed(() => who.value !== 'theirs');
    const due = computed(() => (app.value ? dueStatus(app.value) : null));
    const timeline = computed(() => [...(app.value?.timeline || [])].reverse().map((e) => ({ ...e,
      what: TIMELINE_LABELS[e.action] || e.action, when: dateTime(e.at),
      by: e.role === 'resident' ? '申请人' : e.actor })));
    function show(m) {
      viewing.value = { path: `${base}/materials/${encodeURIComponent(m.code)}`, name: m.name };
    }
    return { props, app, error, conflict, busy, revealed, viewing, action, input, tried, problems, formRows, who,
      isAdmin, canAct, due, timeline, materialChoices, claim, release, reveal, choose, pickResult, send, show,
      ACTIONS, STATE_LABELS, dateTime, store };
  },
  template: `<section class="page application">
    <div class="page-head">
      <a href="#/desk" class="btn btn-small">← 返回工作台</a>
      <h2>办件 <span class="mono">{{ props.number }}</span></h2>
      <template v-if="app">
        <span class="tag" :class="'state-' + app.state">{{ STATE_LABELS[app.state] || app.state }}</span>
        <span class="due" :class="'due-text-' + due.level">办理时限 {{ app.due_date }} {{ due.text }}</span>
      </template>
    </div>
    <div v-if="conflict" class="alert alert-warn conflict" role="alert">{{ conflict }}</div>
    <ErrorBanner :error="error" summary></ErrorBanner>
    <template v-if="app">
      <div class="card claim-bar">
        <span v-if="who === 'free'">该办件尚未认领，认领后由您负责办理。</span>
        <span v-else-if="who === 'mine'">您已认领该办件（{{ dateTime(app.claimed_at) }}）。</span>
        <span v-else>该办件已由 <strong>{{ app.assignee }}</strong> 认领（{{ dateTime(app.claimed_at) }}），只有认领人可以办理。</span>
        <button v-if="who === 'free'" class="btn btn-primary btn-small" type="button" :disabled="busy" @click="claim">认领</button>
        <button v-if="who === 'mine' || (who === 'theirs' && isAdmin)" class="btn btn-small" type="button" :disabled="busy"
          @click="release">释放认领</button>
      </div>

      <div class="desk-grid">
        <div>
          <h3>{{ app.item_name }} <span class="muted mono">{{ app.item_code }}</span></h3>
          <table class="table compact form-answers">
            <tbody>
              <tr v-for="f in formRows" :key="f.key" :data-field="f.key">
                <th scope="row">{{ f.label }}</th>
                <td><span :class="{ mono: f.masked }">{{ f.value }}</span>
                  <span v-if="f.masked && !f.shown" class="muted">（已隐藏）</span>
                  <button v-if="f.masked && !f.shown && store.staff.role === 'processor'" class="btn btn-small" type="button"
                    @click="reveal(f.key)" :aria-label="'显示' + f.label">显示</button></td>
              </tr>
            </tbody>
          </table>
          <p class="muted" v-if="app.masked_fields && app.masked_fields.length">显示敏感信息会记入操作日志。</p>

          <h3>申请材料</h3>
          <ul class="materials">
            <li v-for="m in app.materials" :key="m.code">{{ m.name }} <span class="muted">{{ m.content_type }}</span>
              <button class="btn btn-small" type="button" @click="show(m)" :aria-label="'查看' + m.name">查看</button></li>
            <li v-if="app.result">办结结果：{{ app.result.filename }}
              <button class="btn btn-small" type="button" @click="show({ code: 'result', name: app.result.filename })">查看</button></li>
          </ul>
          <Viewer v-if="viewing" :path="viewing.path" :name="viewing.name" @close="viewing = null"></Viewer>
        </div>

        <div>
          <h3>办理</h3>
          <div v-if="app.supplement_request && ['supplement_required', 'resubmitted'].includes(app.state)" class="alert alert-info">
            已要求补正：{{ app.supplement_request.materials.map((m) => m.name).join('、') }}。{{ app.supplement_request.reason }}</div>
          <p v-if="!app.allowed_actions.length" class="muted">当前状态下没有需要您办理的操作。</p>
          <p v-else-if="!canAct" class="muted">他人认领中，不能办理。</p>
          <div v-else class="actions">
            <button v-for="a in app.allowed_actions" :key="a" type="button" class="btn"
              :class="{ 'btn-primary': action === a, 'btn-danger': ACTIONS[a].danger }" @click="choose(a)">{{ ACTIONS[a].label }}</button>
          </div>
          <form v-if="action && canAct" class="card action-form" @submit.prevent="send" novalidate>
            <h4>{{ ACTIONS[action].label }}</h4>
            <fieldset v-if="ACTIONS[action].materials">
              <legend>需补正的材料</legend>
              <label v-for="m in materialChoices" :key="m.code" class="check">
                <input type="checkbox" :value="m.code" v-model="input.materials">{{ m.name }}</label>
            </fieldset>
            <label>{{ ACTIONS[action].commentLabel }}
              <textarea v-model="input.comment" name="comment" rows="3" maxlength="500"></textarea></label>
            <label v-if="ACTIONS[action].result">办结结果文件（PDF 或图片）
              <input type="file" name="result" accept="application/pdf,image/jpeg,image/png" @change="pickResult"></label>
            <p v-if="input.resultName" class="muted">已上传：{{ input.resultName }}</p>
            <p v-for="p in (tried ? problems : [])" :key="p" class="field-error" role="alert">{{ p }}</p>
            <div><button class="btn btn-primary" type="submit" :disabled="busy">确认{{ ACTIONS[action].label }}</button>
              <button class="btn" type="button" @click="action = ''">取消</button></div>
          </form>

          <h3>办理过程</h3>
          <ol class="timeline">
            <li v-for="(e, i) in timeline" :key="i"><span class="nowrap muted">{{ e.when }}</span>
              <strong>{{ e.what }}</strong> <span>{{ e.by }}</span>
              <p v-if="e.comment" class="timeline-comment">{{ e.comment }}</p></li>
          </ol>
        </div>
      </div>
    </template>
  </section>`,
};
