// One message template: its keys as the platform numbers them, which event field fills each, the
// events it sends; a preview of the exact payload for a sample event, and a test-send. PUT and
// DELETE send If-Match with the version that was loaded; a 409 means someone saved first.

import { CHANNEL_LABELS, label } from '../forms.js';
import { dateTime } from '../format.js';
import {
  EVENT_LABELS, KIND_LABELS, SOURCE_LABELS, TYPE_RULES, blankKey, blankTemplate, dataRows, outcomeLine, takenEvents,
  toEditable, toPayload, typeOfKey,
} from '../templates.js';
import { ConfirmDialog, ErrorBanner, FieldError } from './common.js';
import { guardUnsaved, notify } from './store.js';

const { ref, reactive, computed, inject, onMounted } = window.Vue;
const BASE = '/api/v1/admin/message-templates';

export default {
  components: { ErrorBanner, FieldError, ConfirmDialog },
  props: { channel: String, id: String },
  setup(props) {
    const api = inject('api');
    const model = ref(null);
    const meta = ref({});
    const others = ref([]);
    const error = ref(null);
    const details = ref({});
    const saving = ref(false);
    const saved = ref('');
    const sample = reactive({ type: 'application.accepted', item_name: '社会保障卡补换', number: 'SB20260000000001' });
    const preview = ref(null);
    const previewError = ref(null);
    const testTo = ref('');
    const tested = ref(null);
    const testing = ref(false);
    const deleting = ref(false);
    const isNew = !props.id;
    const snapshot = () => JSON.stringify(toPayload(model.value).body);
    const dirty = computed(() => Boolean(model.value) && snapshot() !== saved.value);
    guardUnsaved(() => dirty.value);

    async function load() {
      error.value = null;
      try {
        others.value = (await api.get(`${BASE}?channel=${props.channel}`)).data.templates;
        const doc = isNew ? blankTemplate(props.channel) : (await api.get(`${BASE}/${props.id}`)).data;
        model.value = toEditable(doc);
        saved.value = snapshot();
        meta.value = { version: doc.version, updated_at: doc.updated_at, updated_by: doc.updated_by };
      } catch (err) {
        error.value = err;
      }
    }

    function check() {
      const { body, errors } = toPayload(model.value);
      details.value = errors;
      if (Object.keys(errors).length) error.value = { message: '请先修正标出的问题', details: errors };
      return Object.keys(errors).length ? null : body;
    }

    async function save() {
      const body = check();
      if (!body) return;
      saving.value = true;
      error.value = null;
      try {
        const answer = isNew ? await api.post(BASE, body)
          : await api.put(`${BASE}/${props.id}`, body, { headers: { 'If-Match': `"${meta.value.version}"` } });
        const doc = answer.data;
        notify(`已保存模板「${doc.title}」（版本 ${doc.version}）`);
        model.value = toEditable(doc);
        saved.value = snapshot();
        if (isNew) {
          location.hash = `#/templates/${doc.channel}/${doc.id}`;
          return;
        }
        meta.value = { version: doc.version, updated_at: doc.updated_at, updated_by: doc.updated_by };
      } catch (err) {
        error.value = err;
        details.value = err.status === 422 && err.details ? err.details : {};
      } finally {
        saving.value = false;
      }
    }

    async function remove() {
      try {
        await api.del(`${BASE}/${props.id}`, { headers: { 'If-Match': `"${meta.value.version}"` } });
        saved.value = snapshot(); // nothing left to lose
        notify(`已删除模板「${model.value.title}」`);
        location.hash = `#/templates/${props.channel}`;
      } catch (err) {
        error.value = err;
      } finally {
        deleting.value = false;
      }
    }

    async function showPreview() {
      const body = check();
      preview.value = null;
      previewError.value = null;
      if (!body) return;
      try {
        preview.value = (await api.post(`${BASE}/preview`, { template: body, event: { ...sample } })).data;
      } catch (err) {
        previewError.value = err;
      }
    }

    async function testSend() {
      tested.value = null;
      previewError.value = null;
      testing.value = true;
      try {
        tested.value = (await api.post(`${BASE}/${props.id}/test-send`, { to: testTo.value.trim(), event: { ...sample } })).data;
        preview.value = tested.value;
      } catch (err) {
        previewError.value = err;
      } finally {
        testing.value = false;
      }
    }

    function addKey() { model.value.keys.push(blankKey(model.value.channel, model.value.keys)); }
    function removeKey(i) { model.value.keys.splice(i, 1); }
    function moveKey(i, step) {
      const keys = model.value.keys;
      const j = i + step;
      if (j < 0 || j >= keys.length) return;
      [keys[i], keys[j]] = [keys[j], keys[i]];
    }

    onMounted(load);
    const taken = computed(() => (model.value ? takenEvents(others.value, model.value, props.id) : {}));
    const rows = computed(() => (model.value ? dataRows(toPayload(model.value).body.keys, preview.value) : []));
    const wechat = computed(() => model.value?.channel === 'wechat');
    return { isNew, model, meta, error, details, saving, dirty, save, remove, deleting, sample, preview, previewError,
      showPreview, testTo, tested, testing, testSend, addKey, removeKey, moveKey, taken, rows, wechat, typeOfKey,
      outcomeLine, dateTime, label, CHANNEL_LABELS, EVENT_LABELS, KIND_LABELS, SOURCE_LABELS, TYPE_RULES };
  },
  template: `<section class="page template-editor">
    <div class="page-head">
      <h2>{{ isNew ? '登记' + label(CHANNEL_LABELS, channel) + '消息模板' : '编辑消息模板' }}</h2>
      <span v-if="!isNew && meta.version" class="muted">版本 {{ meta.version }} · {{ dateTime(meta.updated_at) }} 由 {{ meta.updated_by }} 修改</span>
      <span v-if="dirty" class="tag tag-draft">有未保存的修改</span>
      <span class="spacer"></span>
      <a class="btn" :href="'#/templates/' + channel">返回列表</a>
      <button v-if="!isNew" type="button" class="btn btn-danger" @click="deleting = true" :disabled="!model">删除…</button>
      <button type="button" class="btn btn-primary" @click="save" :disabled="!model || saving">{{ saving ? '正在保存…' : '保存' }}</button>
    </div>
    <ErrorBanner :error="error" :summary="true"></ErrorBanner>
    <form v-if="model" class="card" @submit.prevent="save" novalidate>
      <div class="grid3">
        <label>模板 ID（平台“我的模板”中）<input v-model="model.template_id" class="mono">
          <FieldError :errors="details" path="template_id"></FieldError></label>
        <label>模板标题<input v-model="model.title" maxlength="30">
          <FieldError :errors="details" path="title"></FieldError></label>
        <label>订阅类型<select v-model="model.kind">
          <option v-for="(text, kind) in KIND_LABELS" :key="kind" :value="kind">{{ text }}</option></select></label>
        <label>点击消息打开的页面<input v-model="model.page" class="mono">
          <FieldError :errors="details" path="page"></FieldError></label>
      </div>
      <h3>关键词</h3>
      <FieldError :errors="details" path="keys"></FieldError>
      <table class="table compact template-keys">
        <thead><tr><th>关键词</th><th>{{ wechat ? '类型（由关键词前缀决定）' : '最长字数' }}</th><th>取值</th><th>固定文字</th><th>操作</th></tr></thead>
        <tbody>
          <tr v-for="(k, i) in model.keys" :key="i" :data-key="k.key">
            <td><label>第 {{ i + 1 }} 个关键词<input v-model="k.key" class="mono" placeholder="如 thing1"></label>
              <FieldError :errors="details" :path="'keys[' + i + '].key'"></FieldError></td>
            <td v-if="wechat" class="muted">{{ TYPE_RULES[typeOfKey(k.key)] || '未知类型' }}</td>
            <td v-else><label>最长字数<input v-model="k.max_length" type="number" min="1" max="200"></label></td>
            <td><label>第 {{ i + 1 }} 个关键词的取值<select v-model="k.source">
              <option v-for="(text, source) in SOURCE_LABELS" :key="source" :value="source">{{ text }}</option></select></label></td>
            <td><label v-if="k.source === 'fixed'">第 {{ i + 1 }} 个关键词的固定文字<input v-model="k.text" maxlength="40"></label>
              <FieldError :errors="details" :path="'keys[' + i + '].text'"></FieldError></td>
            <td class="nowrap">
              <button type="button" class="btn btn-small" @click="moveKey(i, -1)" :disabled="i === 0" :aria-label="'上移第 ' + (i + 1) + ' 个关键词'">上移</button>
              <button type="button" class="btn btn-small" @click="moveKey(i, 1)" :disabled="i === model.keys.length - 1" :aria-label="'下移第 ' + (i + 1) + ' 个关键词'">下移</button>
              <button type="button" class="btn btn-small btn-danger" @click="removeKey(i)" :aria-label="'删除第 ' + (i + 1) + ' 个关键词'">删除</button>
            </td>
          </tr>
        </tbody>
      </table>
      <p><button type="button" class="btn btn-small" @click="addKey">添加关键词</button></p>
      <fieldset class="events"><legend>用此模板发送的事件</legend>
        <label v-for="(text, event) in EVENT_LABELS" :key="event" class="check">
          <input type="checkbox" :value="event" v-model="model.events" :disabled="Boolean(taken[event])">
          {{ text }}<span v-if="taken[event]" class="muted">（由「{{ taken[event] }}」发送）</span></label>
      </fieldset>
      <FieldError :errors="details" path="events"></FieldError>
    </form>
    <section v-if="model" class="card template-preview" aria-label="预览与试发送">
      <h3>预览与试发送</h3>
      <div class="grid3">
        <label>示例事件<select v-model="sample.type">
          <option v-for="(text, event) in EVENT_LABELS" :key="event" :value="event">{{ text }}</option></select></label>
        <label>示例事项名称<input v-model="sample.item_name"></label>
        <label>示例办件编号<input v-model="sample.number" class="mono"></label>
      </div>
      <p><button type="button" class="btn" @click="showPreview">预览</button></p>
      <ErrorBanner :error="previewError" :summary="true"></ErrorBanner>
      <template v-if="preview">
        <table class="table compact preview-data">
          <thead><tr><th>关键词</th><th>发送的值</th><th>问题</th></tr></thead>
          <tbody><tr v-for="r in rows" :key="r.key" :class="{ bad: r.problem }">
            <td class="mono">{{ r.key }}</td><td>{{ r.value }}</td><td class="field-error">{{ r.problem }}</td></tr></tbody>
        </table>
        <p class="muted mono">page: {{ preview.page }}</p>
        <p v-if="Object.keys(preview.problems || {}).length" class="field-error" role="alert">有关键词不符合平台规则：这样的消息不会发送。</p>
      </template>
      <div v-if="!isNew" class="test-send">
        <label>试发送给（{{ wechat ? '小程序用户的 openid' : '支付宝 user_id 或 open_id' }}）<input v-model="testTo" class="mono"></label>
        <button type="button" class="btn btn-primary" @click="testSend" :disabled="testing || !testTo.trim() || dirty">
          {{ testing ? '正在发送…' : '试发送' }}</button>
        <span v-if="dirty" class="muted">请先保存修改再试发送</span>
        <p v-if="tested" class="outcome" :class="['accepted', 'delivered'].includes(tested.status) ? 'ok' : 'bad'" role="status">{{ outcomeLine(tested) }}</p>
      </div>
    </section>
    <ConfirmDialog :open="deleting" title="删除消息模板" confirm-text="确认删除" danger @confirm="remove" @cancel="deleting = false">
      <p>删除后，「{{ model && model.title }}」发送的事件将不再通过{{ label(CHANNEL_LABELS, channel) }}发送（改走其他渠道）。</p>
    </ConfirmDialog>
  </section>`,
};
