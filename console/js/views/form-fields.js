// The form-definition editor of an item: typed fields with the settings their type takes
// (FieldDefSchema), added, removed and reordered in place; server messages beside each input.

import {
  FIELD_TYPE_LABELS, SENSITIVE_TYPES, blankField, blankOption, conditionFields, conditionValues, label, move, settingsFor,
} from '../forms.js';
import { enumOf, limits } from '../schema.js';
import { FieldError } from './common.js';

export default {
  components: { FieldError },
  props: { fields: Array, errors: Object, spec: Object },
  setup(props) {
    const types = () => enumOf(props.spec, 'FieldDef', 'type');
    const max = (field) => limits(props.spec, 'FieldDef', field).maxLength;
    const lengthRange = () => limits(props.spec, 'FieldDef', 'max_length');
    const add = () => props.fields.push(blankField(props.fields));
    const remove = (i) => props.fields.splice(i, 1);
    const addOption = (f) => f.options.push(blankOption());
    return { types, max, lengthRange, add, remove, addOption, move, settingsFor, label, conditionFields, conditionValues,
      FIELD_TYPE_LABELS, SENSITIVE_TYPES };
  },
  template: `<div class="form-fields">
    <FieldError :errors="errors" path="form"></FieldError>
    <p v-if="!fields.length" class="muted">此事项没有申请表单字段。</p>
    <div v-for="(f, i) in fields" :key="i" class="field-row" :data-field="f.name">
      <div class="row-head">
        <strong>字段 {{ i + 1 }}</strong> <span class="muted">{{ label(FIELD_TYPE_LABELS, f.type) }}</span>
        <span class="row-actions">
          <button type="button" class="btn btn-small" @click="move(fields, i, -1)" :disabled="i === 0" title="上移">上移</button>
          <button type="button" class="btn btn-small" @click="move(fields, i, 1)" :disabled="i === fields.length - 1" title="下移">下移</button>
          <button type="button" class="btn btn-small btn-danger" @click="remove(i)">删除字段</button>
        </span>
      </div>
      <div class="grid4">
        <label>字段名<input v-model="f.name" class="mono" aria-label="字段名"><FieldError :errors="errors" :path="'form[' + i + '].name'"></FieldError></label>
        <label>显示名称<input v-model="f.label" :maxlength="max('label')" aria-label="显示名称"><FieldError :errors="errors" :path="'form[' + i + '].label'"></FieldError></label>
        <label>类型<select v-model="f.type" aria-label="字段类型">
          <option v-for="t in types()" :key="t" :value="t">{{ label(FIELD_TYPE_LABELS, t) }}</option></select>
          <FieldError :errors="errors" :path="'form[' + i + '].type'"></FieldError></label>
        <label class="check"><input type="checkbox" v-model="f.required"> 必填</label>
        <label v-if="!SENSITIVE_TYPES.includes(f.type)" class="check" title="加密保存，列表中脱敏显示">
          <input type="checkbox" v-model="f.sensitive"> 敏感信息</label>
        <span v-else class="muted" title="身份证号、手机号和地址总是加密保存">敏感信息（总是）</span>
      </div>
      <div class="grid4">
        <label v-if="settingsFor(f.type).includes('max_length')">最大长度
          <input type="number" v-model="f.max_length" :min="lengthRange().minimum" :max="lengthRange().maximum" placeholder="默认">
          <FieldError :errors="errors" :path="'form[' + i + '].max_length'"></FieldError></label>
        <label v-if="settingsFor(f.type).includes('min')">最小值<input type="number" step="any" v-model="f.min">
          <FieldError :errors="errors" :path="'form[' + i + '].min'"></FieldError></label>
        <label v-if="settingsFor(f.type).includes('max')">最大值<input type="number" step="any" v-model="f.max">
          <FieldError :errors="errors" :path="'form[' + i + '].max'"></FieldError></label>
        <label v-if="settingsFor(f.type).includes('multiple')" class="check"><input type="checkbox" v-model="f.multiple"> 允许多选</label>
        <label>填写说明<input v-model="f.help" :maxlength="max('help')"><FieldError :errors="errors" :path="'form[' + i + '].help'"></FieldError></label>
        <label>占位提示<input v-model="f.placeholder" :maxlength="max('placeholder')"><FieldError :errors="errors" :path="'form[' + i + '].placeholder'"></FieldError></label>
      </div>
      <div v-if="conditionFields(fields, i).length || f.shown_field || f.required_field || f.type === 'phone'" class="grid4 conditions">
        <template v-if="conditionFields(fields, i).length || f.shown_field">
          <label>仅当此字段…时显示<select v-model="f.shown_field" aria-label="显示条件字段">
            <option value="">总是显示</option>
            <option v-for="c in conditionFields(fields, i)" :key="c.name" :value="c.name">{{ c.label || c.name }}</option></select>
            <FieldError :errors="errors" :path="'form[' + i + '].shown_when'"></FieldError></label>
          <label v-if="f.shown_field">…选择<select v-model="f.shown_equals" aria-label="显示条件值">
            <option value="" disabled>请选择</option>
            <option v-for="o in conditionValues(fields, f.shown_field)" :key="o.value" :value="o.value">{{ o.label || o.value }}</option></select>
            <FieldError :errors="errors" :path="'form[' + i + '].shown_when.equals'"></FieldError></label>
        </template>
        <template v-if="!f.required && (conditionFields(fields, i).length || f.required_field)">
          <label>仅当此字段…时必填<select v-model="f.required_field" aria-label="条件必填字段">
            <option value="">不必填</option>
            <option v-for="c in conditionFields(fields, i)" :key="c.name" :value="c.name">{{ c.label || c.name }}</option></select>
            <FieldError :errors="errors" :path="'form[' + i + '].required_when'"></FieldError></label>
          <label v-if="f.required_field">…选择<select v-model="f.required_equals" aria-label="条件必填值">
            <option value="" disabled>请选择</option>
            <option v-for="o in conditionValues(fields, f.required_field)" :key="o.value" :value="o.value">{{ o.label || o.value }}</option></select>
            <FieldError :errors="errors" :path="'form[' + i + '].required_when.equals'"></FieldError></label>
        </template>
        <label v-if="f.type === 'phone'" class="check"><input type="checkbox" v-model="f.prefill_phone"> 预填居民登录手机号
          <FieldError :errors="errors" :path="'form[' + i + '].prefill'"></FieldError></label>
      </div>
      <div v-if="settingsFor(f.type).includes('options')" class="options">
        <div class="muted">选项（至少两个）</div>
        <FieldError :errors="errors" :path="'form[' + i + '].options'"></FieldError>
        <div v-for="(o, j) in f.options" :key="j" class="option-row">
          <input v-model="o.value" class="mono" placeholder="选项值" aria-label="选项值" maxlength="40">
          <input v-model="o.label" placeholder="显示文字" aria-label="选项显示文字" maxlength="40">
          <button type="button" class="btn btn-small" @click="move(f.options, j, -1)" :disabled="j === 0">上移</button>
          <button type="button" class="btn btn-small" @click="move(f.options, j, 1)" :disabled="j === f.options.length - 1">下移</button>
          <button type="button" class="btn btn-small btn-danger" @click="f.options.splice(j, 1)">删除</button>
          <FieldError :errors="errors" :path="'form[' + i + '].options[' + j + '].value'"></FieldError>
          <FieldError :errors="errors" :path="'form[' + i + '].options[' + j + '].label'"></FieldError>
        </div>
        <button type="button" class="btn btn-small" @click="addOption(f)">添加选项</button>
      </div>
    </div>
    <button type="button" class="btn" @click="add">添加字段</button>
  </div>`,
};
