// An item's form definition (models/forms.py) on the client: initial values, validation with the
// server's Chinese messages, the submitted payload, and the server's 422 details mapped back.
// Pure functions: tested with node --test.
//
// Conditions (`shown_when` / `required_when`: {field, equals}, naming an earlier choice field) are
// settled as the server's fields_in_force does: a hidden field is not drawn, not checked and not
// sent; a condition met makes the field required.

import { PLATE_RE, normalizePlate, plateProblem } from './plates.js';

export const FIELD_TYPES = Object.freeze(['text', 'textarea', 'number', 'date', 'choice', 'id_number', 'phone', 'plate', 'file', 'bool', 'address']);

// Types the client draws and checks like another: an address is a textarea here (that the
// server keeps it encrypted changes nothing on the phone).
const SAME_AS = Object.freeze({ address: 'textarea' });

export function fieldKind(spec) {
  return SAME_AS[spec.type] || spec.type;
}

export const MESSAGES = Object.freeze({
  required: '此项为必填项',
  number: '请输入数字',
  date: '日期格式应为 YYYY-MM-DD',
  choice: '请从选项中选择',
  id_number: '身份证号码不正确',
  phone: '手机号码格式不正确',
  plate: '车牌号格式不正确',
  bool: '请选择是或否',
  file: '文件标识不正确',
});

const PHONE_RE = /^1[3-9]\d{9}$/;
const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';
const DEFAULT_LIMITS = { text: 200, textarea: 2000 };

// The server counts code points (Python len); JS .length counts UTF-16 units.
export function charLength(text) {
  return Array.from(String(text)).length;
}

export function textLimit(spec) {
  return spec.max_length || DEFAULT_LIMITS[fieldKind(spec)] || 200;
}

function validDate(text) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

// GB 11643 checksum plus a real birth date, as the server checks.
export function validIdNumber18(value) {
  const id = String(value || '');
  if (!/^\d{17}[\dX]$/.test(id)) return false;
  if (!validDate(`${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`)) return false;
  let sum = 0;
  for (let i = 0; i < 17; i += 1) sum += Number(id[i]) * ID_WEIGHTS[i];
  return ID_CHECK[sum % 11] === id[17];
}

export function validPlateForForm(value) {
  return PLATE_RE.test(String(value || ''));
}

// A value the resident has not given: the field is left out of the payload.
export function isEmpty(value) {
  if (value === undefined || value === null) return true;
  if (typeof value === 'string') return value.trim() === '';
  if (Array.isArray(value)) return value.length === 0;
  return false;
}

function formatBound(n) {
  return String(Number(n));
}

function rangeMessage(spec) {
  const hasMin = spec.min !== undefined && spec.min !== null;
  const hasMax = spec.max !== undefined && spec.max !== null;
  if (hasMin && hasMax) return `数值须在${formatBound(spec.min)}到${formatBound(spec.max)}之间`;
  if (hasMin) return `数值不能小于${formatBound(spec.min)}`;
  return `数值不能大于${formatBound(spec.max)}`;
}

export function initialValue(spec) {
  if (spec.type === 'choice' && spec.multiple) return [];
  if (spec.type === 'bool') return null;
  return '';
}

export function initialValues(form) {
  const values = {};
  for (const spec of form || []) values[spec.name] = initialValue(spec);
  return values;
}

// What the field's value becomes in the payload (numbers as numbers, text trimmed, plates upper-case).
export function normalizeValue(spec, value) {
  if (isEmpty(value)) return undefined;
  switch (fieldKind(spec)) {
    case 'number':
      return Number(String(value).trim());
    case 'plate':
      return normalizePlate(value);
    case 'id_number':
      return String(value).trim().toUpperCase();
    case 'choice':
      return spec.multiple ? [...value] : String(value);
    case 'bool':
      return Boolean(value);
    case 'text':
    case 'textarea':
    case 'phone':
    case 'date':
      return String(value).trim();
    case 'file': // the page keeps {upload_id, filename, ...}; the server wants the id
      return typeof value === 'object' ? (value.upload_id || undefined) : String(value).trim();
    default:
      return value;
  }
}

// The message for one field, or '' when it is fine.
export function validateField(spec, raw) {
  const value = normalizeValue(spec, raw);
  if (value === undefined) return spec.required ? MESSAGES.required : '';
  switch (fieldKind(spec)) {
    case 'text':
    case 'textarea': {
      const limit = textLimit(spec);
      return charLength(value) > limit ? `不能超过${limit}个字` : '';
    }
    case 'number': {
      if (!/^-?\d+(\.\d+)?$/.test(String(raw).trim())) return MESSAGES.number;
      const below = spec.min !== undefined && spec.min !== null && value < spec.min;
      const above = spec.max !== undefined && spec.max !== null && value > spec.max;
      return below || above ? rangeMessage(spec) : '';
    }
    case 'date':
      return validDate(value) ? '' : MESSAGES.date;
    case 'choice': {
      const allowed = new Set((spec.options || []).map((o) => o.value));
      const picked = spec.multiple ? value : [value];
      return picked.every((v) => allowed.has(v)) ? '' : MESSAGES.choice;
    }
    case 'id_number':
      return validIdNumber18(value) ? '' : MESSAGES.id_number;
    case 'phone':
      return PHONE_RE.test(value) ? '' : MESSAGES.phone;
    case 'plate': {
      const problem = plateProblem(value);
      return problem === 'format' ? MESSAGES.plate : problem;
    }
    case 'file':
      return charLength(value) <= 100 ? '' : MESSAGES.file;
    case 'bool':
      return typeof raw === 'boolean' ? '' : MESSAGES.bool;
    default:
      return '';
  }
}

function conditionMet(condition, values, shown) {
  if (!condition) return true;
  if (!shown.has(condition.field)) return false; // a hidden field has no answer
  const answer = values[condition.field];
  return Array.isArray(answer) ? answer.includes(condition.equals) : answer === condition.equals;
}

// The fields to draw, check and send for these answers, in order, each `required` as it stands now.
export function fieldsInForce(form, values) {
  const shown = new Set();
  const out = [];
  for (const spec of form || []) {
    if (!conditionMet(spec.shown_when, values, shown)) continue;
    shown.add(spec.name);
    const required = Boolean(spec.required) || (Boolean(spec.required_when) && conditionMet(spec.required_when, values, shown));
    out.push(required === Boolean(spec.required) ? spec : { ...spec, required });
  }
  return out;
}

// {name: message} for every field in force with a problem (empty object: the form may be sent).
export function validateForm(form, values) {
  const errors = {};
  for (const spec of fieldsInForce(form, values)) {
    const message = validateField(spec, values[spec.name]);
    if (message) errors[spec.name] = message;
  }
  return errors;
}

// The first field (in the form's order) with a message: where a failed submit takes the resident.
export function firstError(form, errors) {
  const spec = (form || []).find((f) => errors[f.name]);
  return spec ? spec.name : '';
}

// Values filled in before the resident types: a field marked `prefill: login_phone` gets the
// login's phone (GET /api/v1/me/contact), unless the resident already wrote something there.
export function prefilled(form, values, contact) {
  const out = {};
  const phone = contact && contact.phone;
  for (const spec of form || []) {
    if (spec.prefill === 'login_phone' && phone && isEmpty(values[spec.name])) out[spec.name] = phone;
  }
  return out;
}

// The `form` object of POST /api/v1/applications: empty optional fields are left out, because the
// server rejects '' for dates, phones and the like even when the field is optional. Hidden fields
// are left out too (the server would drop them).
export function formPayload(form, values) {
  const out = {};
  for (const spec of fieldsInForce(form, values)) {
    const value = normalizeValue(spec, values[spec.name]);
    if (value !== undefined) out[spec.name] = value;
  }
  return out;
}

// chosen: {materialCode: {upload_id, ...}} -> [{code, upload_id}] in the item's order.
export function materialsPayload(materials, chosen) {
  const out = [];
  for (const m of materials || []) {
    const pick = chosen[m.code];
    if (pick && pick.upload_id) out.push({ code: m.code, upload_id: pick.upload_id });
  }
  return out;
}

export function validateMaterials(materials, chosen) {
  const errors = {};
  for (const m of materials || []) {
    if (m.required && !(chosen[m.code] && chosen[m.code].upload_id)) errors[m.code] = `请上传${m.name}`;
  }
  return errors;
}

// A 422's details ({"form.phone": [...], "materials.id_card": [...], "materials[0].upload_id": [...]})
// as {fields, materials, other}; `sent` is the materials array that was submitted (for [i] paths).
export function serverErrors(details, sent = []) {
  const result = { fields: {}, materials: {}, other: [] };
  for (const [path, messages] of Object.entries(details || {})) {
    const message = Array.isArray(messages) ? messages.join('；') : String(messages);
    let m = /^form\.([^.[]+)/.exec(path);
    if (m) {
      result.fields[m[1]] = message;
      continue;
    }
    m = /^materials\.([a-z0-9_]+)$/.exec(path);
    if (m) {
      result.materials[m[1]] = message;
      continue;
    }
    m = /^materials\[(\d+)\]/.exec(path);
    if (m && sent[Number(m[1])]) {
      result.materials[sent[Number(m[1])].code] = message;
      continue;
    }
    result.other.push(message);
  }
  return result;
}

// Display text for a field in the picker / chips.
export function optionLabel(spec, value) {
  const option = (spec.options || []).find((o) => o.value === value);
  return option ? option.label : '';
}

// Chips for short option lists (one tap each); a picker for long single-choice lists.
export const CHIP_LIMIT = 5;
export function choiceWidget(spec) {
  if (spec.multiple) return 'chips';
  return (spec.options || []).length <= CHIP_LIMIT ? 'chips' : 'picker';
}
