// The WeChat official-account menu of the wechat channel, with WeChat's limits counted as
// the operator types; server messages and WeChat's refusal (errcode) shown beside it.

import { KEY_BYTES, SUB_MAX, SUB_NAME_BYTES, TOP_MAX, TOP_NAME_BYTES, TYPE_LABELS, URL_BYTES, blankButton, blankMenu, check, cleanLeaf, fieldsFor, nameUsage,
  toGroup, toLeaf } from '../wxmenu.js';
import { move } from '../forms.js';
import { utf8Bytes } from '../format.js';
import { Counter, FieldError } from './common.js';

const { computed } = window.Vue;

const FIELD_NAMES = { key: '事件 key', url: '网址', appid: '小程序 appid', pagepath: '小程序页面' };
const FIELD_LIMITS = { key: KEY_BYTES, url: URL_BYTES, appid: 64, pagepath: 256 };

export default {
  components: { Counter, FieldError },
  props: { menu: Object, errors: Object, rejection: String },
  setup(props) {
    const oa = computed(() => props.menu.official_account);
    // The live check applies the server's rules as the operator types (the server's messages for
    // these paths would go stale at the first keystroke); the server's own word on the whole
    // section (e.g. only the wechat channel may have one) is kept.
    const shown = computed(() => {
      const server = props.errors?.official_account ? { official_account: props.errors.official_account } : {};
      return { ...server, ...(oa.value ? check(oa.value) : {}) };
    });
    const path = (i, j, field) => `official_account.button[${i}]${j === null ? '' : `.sub_button[${j}]`}${field ? `.${field}` : ''}`;
    const create = () => { props.menu.official_account = blankMenu(); };
    const drop = () => {
      if (window.confirm('删除后，发布时将清除微信公众号的自定义菜单。确定删除吗？')) props.menu.official_account = null;
    };
    const setType = (list, i, type) => list.splice(i, 1, cleanLeaf({ ...list[i], type }));
    const setGroup = (list, i, group) => list.splice(i, 1, group ? toGroup(list[i]) : toLeaf(list[i]));
    return { oa, shown, path, create, drop, setType, setGroup, move, nameUsage, fieldsFor, utf8Bytes, blankButton,
      TOP_MAX, SUB_MAX, TOP_NAME_BYTES, SUB_NAME_BYTES, TYPE_LABELS, FIELD_NAMES, FIELD_LIMITS };
  },
  template: `<section class="wx-menu card">
    <h3>微信公众号菜单</h3>
    <p class="muted">发布微信渠道菜单时同步到公众号。微信的限制：一级菜单 1–{{ TOP_MAX }} 个，名称不超过 {{ TOP_NAME_BYTES }} 字节；每个一级菜单下二级菜单 1–{{ SUB_MAX }} 个，名称不超过 {{ SUB_NAME_BYTES }} 字节（汉字按 3 字节计）。</p>
    <div v-if="rejection" class="alert alert-error wx-rejection" role="alert">{{ rejection }}</div>
    <template v-if="oa">
      <div class="wx-count">一级菜单 <Counter :used="oa.button.length" :limit="TOP_MAX" unit="个"></Counter></div>
      <FieldError :errors="shown" path="official_account"></FieldError>
      <FieldError :errors="shown" path="official_account.button"></FieldError>
      <div v-for="(b, i) in oa.button" :key="i" class="wx-button">
        <div class="row-head">
          <label>一级菜单名称 <Counter :used="nameUsage(b.name, true).used" :limit="nameUsage(b.name, true).limit" unit="字节"></Counter>
            <input v-model="b.name" aria-label="一级菜单名称"></label>
          <label class="check"><input type="checkbox" :checked="'sub_button' in b" @change="setGroup(oa.button, i, $event.target.checked)"> 含二级菜单</label>
          <span class="row-actions">
            <button type="button" class="btn btn-small" @click="move(oa.button, i, -1)" :disabled="i === 0">左移</button>
            <button type="button" class="btn btn-small" @click="move(oa.button, i, 1)" :disabled="i === oa.button.length - 1">右移</button>
            <button type="button" class="btn btn-small btn-danger" @click="oa.button.splice(i, 1)">删除</button>
          </span>
        </div>
        <FieldError :errors="shown" :path="path(i, null, 'name')"></FieldError>
        <FieldError :errors="shown" :path="path(i, null, '')"></FieldError>
        <template v-if="'sub_button' in b">
          <div class="wx-count">二级菜单 <Counter :used="b.sub_button.length" :limit="SUB_MAX" unit="个"></Counter></div>
          <FieldError :errors="shown" :path="path(i, null, 'sub_button')"></FieldError>
          <div v-for="(s, j) in b.sub_button" :key="j" class="wx-leaf wx-sub">
            <label>名称 <Counter :used="nameUsage(s.name, false).used" :limit="nameUsage(s.name, false).limit" unit="字节"></Counter>
              <input v-model="s.name" aria-label="二级菜单名称"><FieldError :errors="shown" :path="path(i, j, 'name')"></FieldError></label>
            <label>类型<select :value="s.type" @change="setType(b.sub_button, j, $event.target.value)" aria-label="菜单类型">
              <option v-for="(text, t) in TYPE_LABELS" :key="t" :value="t">{{ text }}</option></select>
              <FieldError :errors="shown" :path="path(i, j, 'type')"></FieldError></label>
            <label v-for="f in fieldsFor(s.type)" :key="f">{{ FIELD_NAMES[f] }} <Counter :used="utf8Bytes(s[f])" :limit="FIELD_LIMITS[f]" unit="字节"></Counter>
              <input v-model="s[f]" class="mono" :aria-label="FIELD_NAMES[f]"><FieldError :errors="shown" :path="path(i, j, f)"></FieldError></label>
            <span class="row-actions">
              <button type="button" class="btn btn-small" @click="move(b.sub_button, j, -1)" :disabled="j === 0">上移</button>
              <button type="button" class="btn btn-small" @click="move(b.sub_button, j, 1)" :disabled="j === b.sub_button.length - 1">下移</button>
              <button type="button" class="btn btn-small btn-danger" @click="b.sub_button.splice(j, 1)">删除</button>
            </span>
          </div>
          <button type="button" class="btn btn-small" @click="b.sub_button.push(blankButton(false))" :disabled="b.sub_button.length >= SUB_MAX">添加二级菜单</button>
        </template>
        <div v-else class="wx-leaf">
          <label>类型<select :value="b.type" @change="setType(oa.button, i, $event.target.value)" aria-label="菜单类型">
            <option v-for="(text, t) in TYPE_LABELS" :key="t" :value="t">{{ text }}</option></select>
            <FieldError :errors="shown" :path="path(i, null, 'type')"></FieldError></label>
          <label v-for="f in fieldsFor(b.type)" :key="f">{{ FIELD_NAMES[f] }} <Counter :used="utf8Bytes(b[f])" :limit="FIELD_LIMITS[f]" unit="字节"></Counter>
            <input v-model="b[f]" class="mono" :aria-label="FIELD_NAMES[f]"><FieldError :errors="shown" :path="path(i, null, f)"></FieldError></label>
        </div>
      </div>
      <div class="wx-actions">
        <button type="button" class="btn btn-small" @click="oa.button.push(blankButton(true))" :disabled="oa.button.length >= TOP_MAX">添加一级菜单</button>
        <button type="button" class="btn btn-small btn-danger" @click="drop">删除公众号菜单</button>
      </div>
      <div class="wx-bar" aria-label="公众号菜单预览">
        <div v-for="(b, i) in oa.button" :key="i" class="wx-bar-button">
          <ul v-if="b.sub_button" class="wx-bar-subs"><li v-for="(s, j) in b.sub_button" :key="j">{{ s.name }}</li></ul>
          <span>{{ b.name }}</span>
        </div>
      </div>
    </template>
    <template v-else>
      <p>当前没有公众号菜单；按此发布后，公众号将不显示自定义菜单。</p>
      <button type="button" class="btn btn-small" @click="create">创建公众号菜单</button>
    </template>
  </section>`,
};
