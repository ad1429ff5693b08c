// Service items as operators edit them: Chinese labels for the server's codes, the form
// definition's type-specific settings (mirroring FieldDefSchema in models/forms.py), and the
// conversion between an item from GET and the body a POST/PUT accepts (ItemInSchema).

import { splitList, toFen, yuan } from './format.js';

export const KIND_LABELS = { application: '办理类', query: '查询类', link: '链接类' };
export const STATUS_LABELS = { draft: '草稿', published: '已发布', retired: '已下线' };
export const CHANNEL_LABELS = { wechat: '微信', alipay: '支付宝', app: 'App' };
export const FIELD_TYPE_LABELS = {
  text: '单行文本', textarea: '多行文本', number: '数字', date: '日期', choice: '选择',
  id_number: '身份证号', phone: '手机号', plate: '车牌号', file: '文件', bool: '是/否', address: '地址',
};
// Always kept encrypted and shown masked (SENSITIVE_TYPES in models/forms.py); others when marked.
export const SENSITIVE_TYPES = ['id_number', 'phone', 'address'];

// Which settings apply to which field type. The server refuses options/multiple on anything
// but a choice, and enforces max_length only on text fields.
export const TYPE_SETTINGS = {
  text: ['max_length'],
  textarea: ['max_length'],
  address: ['max_length'],
  number: ['min', 'max'],
  choice: ['options', 'multiple'],
};

export const settingsFor = (type) => TYPE_SETTINGS[type] || [];
export const label = (labels, value) => labels[value] || value;

const present = (v) => v !== null && v !== undefined && String(v).trim() !== '';
const clone = (v) => JSON.parse(JSON.stringify(v));

/** A number typed by a person, kept as text when it is not one (the server then names the field). */
function numeric(v) {
  const n = Number(v);
  return Number.isFinite(n) ? n : String(v);
}

export function blankField(existing = []) {
  const names = new Set(existing.map((f) => f.name));
  let n = existing.length + 1;
  while (names.has(`field_${n}`)) n += 1;
  return { name: `field_${n}`, label: '', type: 'text', required: false, max_length: '', min: '', max: '',
    options: [], multiple: false, help: '', placeholder: '', sensitive: false,
    shown_field: '', shown_equals: '', required_field: '', required_equals: '', prefill_phone: false };
}

/** The earlier choice fields a field's condition may name (models/forms.py check_form). */
export function conditionFields(fields, i) {
  return fields.slice(0, i).filter((f) => f.type === 'choice' && String(f.name).trim());
}

/** The option values of the field named `name` among `fields` ([] when none). */
export function conditionValues(fields, name) {
  const f = fields.find((x) => x.name === name);
  return f ? (f.options || []).filter((o) => String(o.value).trim()) : [];
}

// 办事指南 (models/guide.py): lists of lines edited as text, one per line; places, phones and steps as rows.
export const blankPlace = () => ({ name: '', address: '', hours: '' });
export const blankPhone = () => ({ label: '', number: '' });
export const blankStep = () => ({ name: '', detail: '' });
const lines = (text) => String(text || '').split('\n').map((l) => l.trim()).filter(Boolean);
const trimmed = (row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, String(v ?? '').trim()]));

export function guideEditable(guide) {
  const g = guide || {};
  return {
    conditions_text: (g.conditions || []).join('\n'), basis_text: (g.basis || []).join('\n'),
    places: (g.places || []).map((p) => ({ ...blankPlace(), ...p })),
    phones: (g.phones || []).map((p) => ({ ...blankPhone(), ...p })),
    steps: (g.steps || []).map((p) => ({ ...blankStep(), ...p })),
    fee_note: g.fee_note || '', sample_name: g.sample?.name || '', sample_description: g.sample?.description || '',
  };
}

export function guidePayload(g) {
  return {
    conditions: lines(g.conditions_text), basis: lines(g.basis_text),
    places: g.places.map(trimmed), phones: g.phones.map(trimmed), steps: g.steps.map(trimmed),
    fee_note: String(g.fee_note || '').trim(),
    sample: present(g.sample_name) ? { name: g.sample_name.trim(), description: String(g.sample_description || '').trim() } : null,
  };
}

export const blankOption = () => ({ value: '', label: '' });
export const blankMaterial = () => ({ code: '', name: '', required: true, note: '' });

/** An item from the server -> the editor's model (every optional setting present, as text). */
export function toEditable(item) {
  const src = clone(item);
  return {
    code: src.code || '', name: src.name || '', category: src.category || '', department: src.department || '',
    kind: src.kind || 'application', channels: src.channels || [], description: src.description || '',
    keywords_text: (src.keywords || []).join('，'), regions_text: (src.regions || []).join('，'),
    fee_yuan: src.fee_fen ? yuan(src.fee_fen) : '0', promise_days: src.promise_days ?? '',
    online_depth: src.online_depth || '', query: src.query || '', link_url: src.link_url || '',
    status: src.status || 'draft',
    form: (src.form || []).map(({ shown_when: shown, required_when: when, prefill, ...f }) => ({ ...blankField(), ...f,
      options: f.options || [], max_length: f.max_length ?? '', min: f.min ?? '', max: f.max ?? '', help: f.help || '',
      placeholder: f.placeholder || '', shown_field: shown?.field || '', shown_equals: shown?.equals || '',
      required_field: when?.field || '', required_equals: when?.equals || '', prefill_phone: prefill === 'login_phone' })),
    materials: (src.materials || []).map((m) => ({ ...blankMaterial(), ...m, note: m.note || '' })),
    guide: guideEditable(src.guide),
  };
}

/** One form field as FieldDefSchema accepts it: only the settings its type uses. */
export function fieldPayload(f) {
  const out = { name: String(f.name).trim(), label: String(f.label).trim(), type: f.type, required: Boolean(f.required) };
  const uses = settingsFor(f.type);
  if (uses.includes('max_length') && present(f.max_length)) out.max_length = numeric(f.max_length);
  if (uses.includes('min') && present(f.min)) out.min = numeric(f.min);
  if (uses.includes('max') && present(f.max)) out.max = numeric(f.max);
  if (uses.includes('options')) {
    out.options = (f.options || []).map((o) => ({ value: String(o.value).trim(), label: String(o.label).trim() }));
    if (f.multiple) out.multiple = true; // absent means single choice; no change noise in the audit log
  }
  // absent unless marked, and never on a type that always is (the server refuses `false` there)
  if (f.sensitive && !SENSITIVE_TYPES.includes(f.type)) out.sensitive = true;
  if (present(f.help)) out.help = f.help.trim();
  if (present(f.placeholder)) out.placeholder = f.placeholder.trim();
  // shown / required only when an earlier choice field has a value; the server checks the names
  if (present(f.shown_field)) out.shown_when = { field: f.shown_field, equals: String(f.shown_equals || '') };
  if (!f.required && present(f.required_field)) out.required_when = { field: f.required_field, equals: String(f.required_equals || '') };
  if (f.prefill_phone && f.type === 'phone') out.prefill = 'login_phone';
  return out;
}

export function materialPayload(m) {
  const out = { code: String(m.code).trim(), name: String(m.name).trim(), required: Boolean(m.required) };
  if (present(m.note)) out.note = m.note.trim();
  return out;
}

/**
 * The editor's model -> the POST/PUT body. Returns {body, errors}: errors are the few things
 * only the console can know (a 元 amount it cannot convert), keyed like the server's.
 */
export function toPayload(e) {
  const errors = {};
  const fee = toFen(e.fee_yuan);
  if (fee === null) errors.fee_fen = ['请输入金额，最多两位小数'];
  const body = {
    code: e.code.trim(), name: e.name.trim(), category: e.category, department: e.department, kind: e.kind,
    channels: [...e.channels], description: e.description.trim(), keywords: splitList(e.keywords_text),
    form: e.form.map(fieldPayload), materials: e.materials.map(materialPayload),
    promise_days: present(e.promise_days) ? numeric(e.promise_days) : null,
    fee_fen: fee ?? 0, online_depth: e.online_depth, regions: splitList(e.regions_text),
    query: e.kind === 'query' && present(e.query) ? e.query.trim() : null,
    link_url: e.kind === 'link' && present(e.link_url) ? e.link_url.trim() : null,
    status: e.status, guide: guidePayload(e.guide),
  };
  // An unchosen select is left out, so the server answers "此项为必填项" rather than listing codes.
  for (const key of ['category', 'department', 'kind', 'online_depth', 'status']) if (!body[key]) delete body[key];
  return { body, errors };
}

/** Move list[i] by delta (-1 up, +1 down) in place; out-of-range moves do nothing. */
export function move(list, i, delta) {
  const j = i + delta;
  if (j < 0 || j >= list.length) return list;
  const [x] = list.splice(i, 1);
  list.splice(j, 0, x);
  return list;
}

/** The filters of the items list: category, status, channel, and text over code, name and keywords. */
export function filterItems(items, { category = '', status = '', channel = '', search = '' } = {}) {
  const q = search.trim().toLowerCase();
  return items.filter((item) => (!category || item.category === category)
    && (!status || item.status === status)
    && (!channel || (item.channels || []).includes(channel))
    && (!q || [item.code, item.name, ...(item.keywords || [])].some((t) => String(t).toLowerCase().includes(q))));
}

/** The department codes an item may be given: the active ones, and the one it has (a department
 * disabled since still holds its old items). */
export function departmentChoices(active, current) {
  const codes = active.map((d) => d.code);
  return current && !codes.includes(current) ? [...codes, current] : codes;
}

/** {code: name} pairs the server reports with items (department_name, online_depth_label). */
export function namesFrom(items, codeKey, nameKey) {
  const out = {};
  for (const item of items) if (item[codeKey] && item[nameKey]) out[item[codeKey]] = item[nameKey];
  return out;
}
