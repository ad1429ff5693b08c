// The 办事指南 of an item (GuideSchema in models/guide.py): conditions and legal basis one per line,
// places, phones and the ordered steps as rows, the fee note and the result sample; server
// messages beside each input (guide.places[0].hours …).

import { blankPhone, blankPlace, blankStep, move } from '../forms.js';
import { ErrorsUnder, FieldError } from './common.js';

export default {
  components: { ErrorsUnder, FieldError },
  props: { guide: Object, errors: Object },
  setup() {
    return { move, blankPlace, blankPhone, blankStep };
  },
  template: `<div class="guide-editor">
    <div class="grid2">
      <label>受理条件（每行一条）<textarea v-model="guide.conditions_text" rows="4" aria-label="受理条件"></textarea>
        <ErrorsUnder :errors="errors" prefix="guide.conditions"></ErrorsUnder></label>
      <label>设定依据（每行一条）<textarea v-model="guide.basis_text" rows="4" aria-label="设定依据"></textarea>
        <ErrorsUnder :errors="errors" prefix="guide.basis"></ErrorsUnder></label>
    </div>
    <h4>办理流程（按顺序）</h4>
    <FieldError :errors="errors" path="guide.steps"></FieldError>
    <div v-for="(s, i) in guide.steps" :key="'s' + i" class="option-row guide-step-row">
      <span class="muted">第 {{ i + 1 }} 步</span>
      <input v-model="s.name" maxlength="20" placeholder="步骤名称" :aria-label="'第 ' + (i + 1) + ' 步名称'">
      <input v-model="s.detail" maxlength="200" placeholder="说明（可不填）" :aria-label="'第 ' + (i + 1) + ' 步说明'">
      <button type="button" class="btn btn-small" @click="move(guide.steps, i, -1)" :disabled="i === 0">上移</button>
      <button type="button" class="btn btn-small" @click="move(guide.steps, i, 1)" :disabled="i === guide.steps.length - 1">下移</button>
      <button type="button" class="btn btn-small btn-danger" @click="guide.steps.splice(i, 1)">删除</button>
      <FieldError :errors="errors" :path="'guide.steps[' + i + '].name'"></FieldError>
      <FieldError :errors="errors" :path="'guide.steps[' + i + '].detail'"></FieldError>
    </div>
    <button type="button" class="btn btn-small" @click="guide.steps.push(blankStep())">添加步骤</button>
    <h4>办理地点和时间</h4>
    <FieldError :errors="errors" path="guide.places"></FieldError>
    <div v-for="(p, i) in guide.places" :key="'p' + i" class="option-row guide-place-row">
      <input v-model="p.name" maxlength="60" placeholder="地点名称" :aria-label="'地点 ' + (i + 1) + ' 名称'">
      <input v-model="p.address" maxlength="120" placeholder="地址" :aria-label="'地点 ' + (i + 1) + ' 地址'">
      <input v-model="p.hours" maxlength="120" placeholder="办理时间" :aria-label="'地点 ' + (i + 1) + ' 办理时间'">
      <button type="button" class="btn btn-small btn-danger" @click="guide.places.splice(i, 1)">删除</button>
      <FieldError v-for="k in ['name', 'address', 'hours']" :key="k" :errors="errors" :path="'guide.places[' + i + '].' + k"></FieldError>
    </div>
    <button type="button" class="btn btn-small" @click="guide.places.push(blankPlace())">添加地点</button>
    <h4>咨询电话</h4>
    <FieldError :errors="errors" path="guide.phones"></FieldError>
    <div v-for="(p, i) in guide.phones" :key="'t' + i" class="option-row guide-phone-row">
      <input v-model="p.label" maxlength="30" placeholder="名称，如 12333 热线" :aria-label="'电话 ' + (i + 1) + ' 名称'">
      <input v-model="p.number" class="mono" maxlength="20" placeholder="如 0571-12345678" :aria-label="'电话 ' + (i + 1) + ' 号码'">
      <button type="button" class="btn btn-small btn-danger" @click="guide.phones.splice(i, 1)">删除</button>
      <FieldError :errors="errors" :path="'guide.phones[' + i + '].label'"></FieldError>
      <FieldError :errors="errors" :path="'guide.phones[' + i + '].number'"></FieldError>
    </div>
    <button type="button" class="btn btn-small" @click="guide.phones.push(blankPhone())">添加电话</button>
    <div class="grid2">
      <label>收费说明（收费标准和依据；金额见“收费（元）”）<input v-model="guide.fee_note" maxlength="200" aria-label="收费说明">
        <FieldError :errors="errors" path="guide.fee_note"></FieldError></label>
      <label>结果样本名称<input v-model="guide.sample_name" maxlength="60" aria-label="结果样本名称" placeholder="如 第三代社会保障卡">
        <FieldError :errors="errors" path="guide.sample.name"></FieldError></label>
    </div>
    <label>结果样本说明<textarea v-model="guide.sample_description" maxlength="300" rows="2" aria-label="结果样本说明"></textarea>
      <FieldError :errors="errors" path="guide.sample.description"></FieldError></label>
  </div>`,
};
