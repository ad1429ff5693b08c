// The materials list of an item (MaterialSchema): code, name, required, note.

import { blankMaterial, move } from '../forms.js';
import { limits } from '../schema.js';
import { FieldError } from './common.js';

export default {
  components: { FieldError },
  props: { materials: Array, errors: Object, spec: Object },
  setup(props) {
    const max = (field) => limits(props.spec, 'Material', field).maxLength;
    return { max, move, add: () => props.materials.push(blankMaterial()) };
  },
  template: `<div class="materials">
    <FieldError :errors="errors" path="materials"></FieldError>
    <table class="table compact">
      <thead><tr><th>材料编码</th><th>材料名称</th><th>必交</th><th>备注</th><th></th></tr></thead>
      <tbody>
        <tr v-for="(m, i) in materials" :key="i">
          <td><input v-model="m.code" class="mono" aria-label="材料编码"><FieldError :errors="errors" :path="'materials[' + i + '].code'"></FieldError></td>
          <td><input v-model="m.name" :maxlength="max('name')" aria-label="材料名称"><FieldError :errors="errors" :path="'materials[' + i + '].name'"></FieldError></td>
          <td><input type="checkbox" v-model="m.required" aria-label="必交"></td>
          <td><input v-model="m.note" :maxlength="max('note')" aria-label="备注"><FieldError :errors="errors" :path="'materials[' + i + '].note'"></FieldError></td>
          <td class="nowrap">
            <button type="button" class="btn btn-small" @click="move(materials, i, -1)" :disabled="i === 0">上移</button>
            <button type="button" class="btn btn-small" @click="move(materials, i, 1)" :disabled="i === materials.length - 1">下移</button>
            <button type="button" class="btn btn-small btn-danger" @click="materials.splice(i, 1)">删除</button></td>
        </tr>
        <tr v-if="!materials.length"><td colspan="5" class="muted center">无需提交材料</td></tr>
      </tbody>
    </table>
    <button type="button" class="btn" @click="add">添加材料</button>
  </div>`,
};
