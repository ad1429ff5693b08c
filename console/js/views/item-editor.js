// One item: every field of ItemInSchema, its form definition and materials. PUT sends
// If-Match with the version that was loaded; a 409/412 means someone saved first.

import { CHANNEL_LABELS, KIND_LABELS, STATUS_LABELS, departmentChoices, label, namesFrom, toEditable, toPayload } from '../forms.js';
import { enumOf, limits } from '../schema.js';
import { dateTime } from '../format.js';
import { ErrorBanner, FieldError } from './common.js';
import FormFields from './form-fields.js';
import GuideEditor from './guide-editor.js';
import Materials from './materials.js';
import { guardUnsaved, loadItems, loadSpec, notify, store } from './store.js';

const { ref, computed, inject, onMounted } = window.Vue;

const EMPTY_ITEM = { kind: 'application', status: 'draft', channels: [], form: [], materials: [], guide: {} };

export default {
  components: { ErrorBanner, FieldError, FormFields, GuideEditor, Materials },
  props: { code: String },
  setup(props) {
    const api = inject('api');
    const model = ref(null);
    const meta = ref({});
    const error = ref(null);
    const details = ref({});
    const conflict = ref(false);
    const saving = ref(false);
    const saved = ref('');
    const isNew = !props.code;
    const departments = ref([]); // [{code, name}]: the active ones admins keep (部门与中队)
    const snapshot = () => JSON.stringify(toPayload(model.value).body);
    const dirty = computed(() => Boolean(model.value) && snapshot() !== saved.value);
    guardUnsaved(() => dirty.value);

    async function load() {
      error.value = null;
      details.value = {};
      conflict.value = false;
      try {
        const [, , listed] = await Promise.all([loadSpec(api), loadItems(api), api.get('/api/v1/admin/departments')]);
        departments.value = listed.data.departments;
        const item = isNew ? EMPTY_ITEM : (await api.get(`/api/v1/admin/items/${encodeURIComponent(props.code)}`)).data;
        model.value = toEditable(item);
        saved.value = snapshot();
        meta.value = { version: item.version, updated_at: item.updated_at, updated_by: item.updated_by };
      } catch (err) {
        error.value = err;
      }
    }

    async function save() {
      const { body, errors } = toPayload(model.value);
      details.value = errors;
      if (Object.keys(errors).length) {
        error.value = { message: '请先修正标出的问题', details: errors };
        return;
      }
      saving.value = true;
      error.value = null;
      try {
        const answer = isNew
          ? await api.post('/api/v1/admin/items', body)
          : await api.put(`/api/v1/admin/items/${encodeURIComponent(props.code)}`, body,
            { headers: { 'If-Match': `"${meta.value.version}"` } });
        const item = answer.data;
        notify(`已保存「${item.name}」（版本 ${item.version}）`);
        loadItems(api, true).catch(() => {}); // the list refreshes when it is next shown anyway
        model.value = toEditable(item);
        saved.value = snapshot();
        if (isNew) {
          location.hash = `#/items/${encodeURIComponent(item.code)}`;
          return;
        }
        meta.value = { version: item.version, updated_at: item.updated_at, updated_by: item.updated_by };
      } catch (err) {
        error.value = err;
        details.value = err.status === 422 && err.details ? err.details : {};
        conflict.value = err.status === 409 || err.status === 412;
      } finally {
        saving.value = false;
      }
    }

    // 提交审核: the change waits in 审核发布 for a second operator (the only way for a published item
    // where the city requires it); the item itself stays as it is until then.
    async function submitForReview() {
      const { body, errors } = toPayload(model.value);
      details.value = errors;
      if (Object.keys(errors).length) {
        error.value = { message: '请先修正标出的问题', details: errors };
        return;
      }
      saving.value = true;
      error.value = null;
      try {
        await api.post('/api/v1/admin/item-reviews', { item: body, base_version: isNew ? null : meta.value.version });
        saved.value = snapshot();
        notify(`已提交「${body.name}」的变更，等待另一名运营人员审核`);
      } catch (err) {
        error.value = err;
        details.value = err.status === 422 && err.details ? err.details : {};
        conflict.value = err.status === 409;
      } finally {
        saving.value = false;
      }
    }

    function reloadLatest() {
      if (window.confirm('加载最新版本将丢弃您在此页面上的修改，确定吗？')) load();
    }

    onMounted(load);
    const choices = computed(() => ({
      category: enumOf(store.spec, 'ItemIn', 'category'),
      department: departmentChoices(departments.value, model.value && model.value.department),
      kind: enumOf(store.spec, 'ItemIn', 'kind'),
      channels: enumOf(store.spec, 'ItemIn', 'channels'),
      online_depth: enumOf(store.spec, 'ItemIn', 'online_depth'),
      status: enumOf(store.spec, 'ItemIn', 'status'),
    }));
    const names = computed(() => ({
      department: { ...namesFrom(store.items || [], 'department', 'department_name'),
        ...Object.fromEntries(departments.value.map((d) => [d.code, d.name])) },
      online_depth: namesFrom(store.items || [], 'online_depth', 'online_depth_label'),
    }));
    const max = (field) => limits(store.spec, 'ItemIn', field).maxLength;
    const days = computed(() => limits(store.spec, 'ItemIn', 'promise_days'));
    return { isNew, model, meta, error, details, conflict, saving, dirty, save, submitForReview, reloadLatest, choices, names, max, days,
      store, label, dateTime, CHANNEL_LABELS, KIND_LABELS, STATUS_LABELS };
  },
  template: `<section class="page item-editor">
    <div class="page-head">
      <h2>{{ isNew ? '新建事项' : '编辑事项 ' + code }}</h2>
      <span v-if="!isNew && meta.version" class="muted">版本 {{ meta.version }} · {{ dateTime(meta.updated_at) }} 由 {{ meta.updated_by }} 修改</span>
      <span v-if="dirty" class="tag tag-draft">有未保存的修改</span>
      <span class="spacer"></span>
      <a class="btn" href="#/items">返回列表</a>
      <button type="button" class="btn" @click="submitForReview" :disabled="!model || saving">提交审核</button>
      <button type="button" class="btn btn-primary" @click="save" :disabled="!model || saving">{{ saving ? '正在保存…' : '保存' }}</button>
    </div>
    <ErrorBanner :error="error" :summary="!conflict">
      <p v-if="conflict"><button type="button" class="btn btn-small" @click="reloadLatest">加载最新版本</button></p>
    </ErrorBanner>
    <form v-if="model" class="card" @submit.prevent="save" novalidate>
      <h3>基本信息</h3>
      <div class="grid3">
        <label>事项编码<input v-model="model.code" :readonly="!isNew" class="mono" placeholder="如 SB0001" aria-label="事项编码">
          <FieldError :errors="details" path="code"></FieldError></label>
        <label>事项名称<input v-model="model.name" :maxlength="max('name')" aria-label="事项名称">
          <FieldError :errors="details" path="name"></FieldError></label>
        <label>状态<select v-model="model.status" aria-label="状态">
          <option v-for="s in choices.status" :key="s" :value="s">{{ label(STATUS_LABELS, s) }}</option></select>
          <FieldError :errors="details" path="status"></FieldError></label>
        <label>分类<select v-model="model.category" aria-label="分类"><option value="" disabled>请选择</option>
          <option v-for="c in choices.category" :key="c" :value="c">{{ c }}</option></select>
          <FieldError :errors="details" path="category"></FieldError></label>
        <label>主管部门<select v-model="model.department" aria-label="主管部门"><option value="" disabled>请选择</option>
          <option v-for="d in choices.department" :key="d" :value="d">{{ label(names.department, d) }}</option></select>
          <FieldError :errors="details" path="department"></FieldError></label>
        <label>事项类型<select v-model="model.kind" aria-label="事项类型">
          <option v-for="k in choices.kind" :key="k" :value="k">{{ label(KIND_LABELS, k) }}</option></select>
          <FieldError :errors="details" path="kind"></FieldError></label>
        <label>网办深度<select v-model="model.online_depth" aria-label="网办深度"><option value="" disabled>请选择</option>
          <option v-for="d in choices.online_depth" :key="d" :value="d">{{ label(names.online_depth, d) }}</option></select>
          <FieldError :errors="details" path="online_depth"></FieldError></label>
        <label>承诺时限（工作日）<input type="number" v-model="model.promise_days" :min="days.minimum" :max="days.maximum" aria-label="承诺时限">
          <FieldError :errors="details" path="promise_days"></FieldError></label>
        <label>收费（元）<input v-model="model.fee_yuan" inputmode="decimal" aria-label="收费">
          <FieldError :errors="details" path="fee_fen"></FieldError></label>
        <fieldset class="channels"><legend>服务渠道</legend>
          <label v-for="c in choices.channels" :key="c" class="check"><input type="checkbox" :value="c" v-model="model.channels"> {{ label(CHANNEL_LABELS, c) }}</label>
          <FieldError :errors="details" path="channels"></FieldError></fieldset>
        <label>关键词（逗号分隔）<input v-model="model.keywords_text" aria-label="关键词">
          <FieldError :errors="details" path="keywords"></FieldError></label>
        <label>适用地区（6 位行政区划代码，逗号分隔，留空为全市）<input v-model="model.regions_text" aria-label="适用地区">
          <FieldError :errors="details" path="regions"></FieldError></label>
        <label v-if="model.kind === 'query'">查询接口<input v-model="model.query" class="mono" placeholder="如 rsj.insured" aria-label="查询接口">
          <FieldError :errors="details" path="query"></FieldError></label>
        <label v-if="model.kind === 'link'">链接地址<input v-model="model.link_url" placeholder="https://" aria-label="链接地址">
          <FieldError :errors="details" path="link_url"></FieldError></label>
      </div>
      <label>事项说明<textarea v-model="model.description" :maxlength="max('description')" rows="3" aria-label="事项说明"></textarea>
        <span class="counter">{{ model.description.length }} / {{ max('description') }} 字</span>
        <FieldError :errors="details" path="description"></FieldError></label>
      <h3>申请表单</h3>
      <FormFields :fields="model.form" :errors="details" :spec="store.spec"></FormFields>
      <h3>申请材料</h3>
      <Materials :materials="model.materials" :errors="details" :spec="store.spec"></Materials>
      <h3>办事指南</h3>
      <GuideEditor :guide="model.guide" :errors="details"></GuideEditor>
    </form>
  </section>`,
};
