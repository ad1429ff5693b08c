// The sections (栏目) and entries (入口) of a channel menu draft, edited in place.

import { ENTRY_TYPE_LABELS, blankEntry, blankSection } from '../menu.js';
import { STATUS_LABELS, label, move } from '../forms.js';
import { enumOf, limits } from '../schema.js';
import { splitList } from '../format.js';
import { Counter, ErrorsUnder, FieldError } from './common.js';

const { computed } = window.Vue;

export default {
  components: { Counter, ErrorsUnder, FieldError },
  props: { menu: Object, errors: Object, spec: Object, items: Array, channel: String },
  setup(props) {
    const types = computed(() => enumOf(props.spec, 'Entry', 'type'));
    const badges = computed(() => enumOf(props.spec, 'Entry', 'badge'));
    const titleMax = computed(() => limits(props.spec, 'Section', 'title').maxLength);
    const entryTitleMax = computed(() => limits(props.spec, 'Entry', 'title').maxLength);
    // Items offered on this channel first; others stay selectable so a stale code can be seen.
    const choices = computed(() => [...(props.items || [])].sort((a, b) =>
      Number(!a.channels.includes(props.channel)) - Number(!b.channels.includes(props.channel)) || a.code.localeCompare(b.code)));
    const itemLabel = (item) => {
      const notes = [];
      if (item.status !== 'published') notes.push(label(STATUS_LABELS, item.status));
      if (!item.channels.includes(props.channel)) notes.push('本渠道未提供');
      return `${item.code} ${item.name}${notes.length ? `（${notes.join('，')}）` : ''}`;
    };
    const known = (code) => (props.items || []).some((i) => i.code === code);
    const err = (i, j, field) => (j === null ? `sections[${i}].${field}` : `sections[${i}].entries[${j}].${field}`);
    const addSection = () => props.menu.sections.push(blankSection(props.menu.sections));
    const setType = (section, j, type) => {
      const old = section.entries[j];
      section.entries.splice(j, 1, { ...blankEntry(type), icon: old.icon, badge: old.badge, visibility: old.visibility, title: old.title });
    };
    const setRegions = (entry, text) => { entry.visibility.regions = splitList(text); };
    return { types, badges, titleMax, entryTitleMax, choices, itemLabel, known, err, addSection, setType, setRegions,
      move, blankEntry, label, ENTRY_TYPE_LABELS };
  },
  template: `<div class="sections">
    <FieldError :errors="errors" path="sections"></FieldError>
    <div v-for="(s, i) in menu.sections" :key="i" class="section-editor card" :data-section="s.key">
      <div class="row-head">
        <strong>栏目 {{ i + 1 }}</strong>
        <span class="row-actions">
          <button type="button" class="btn btn-small" @click="move(menu.sections, i, -1)" :disabled="i === 0">上移</button>
          <button type="button" class="btn btn-small" @click="move(menu.sections, i, 1)" :disabled="i === menu.sections.length - 1">下移</button>
          <button type="button" class="btn btn-small btn-danger" @click="menu.sections.splice(i, 1)">删除栏目</button>
        </span>
      </div>
      <div class="grid3">
        <label>栏目名称 <Counter :used="s.title.length" :limit="titleMax"></Counter>
          <input v-model="s.title" aria-label="栏目名称"><FieldError :errors="errors" :path="err(i, null, 'title')"></FieldError></label>
        <label>栏目标识<input v-model="s.key" class="mono" aria-label="栏目标识"><FieldError :errors="errors" :path="err(i, null, 'key')"></FieldError></label>
        <label>图标<input v-model="s.icon" class="mono" aria-label="栏目图标"><FieldError :errors="errors" :path="err(i, null, 'icon')"></FieldError></label>
      </div>
      <FieldError :errors="errors" :path="'sections[' + i + '].entries'"></FieldError>
      <div v-for="(e, j) in s.entries" :key="j" class="entry-row">
        <span class="entry-no">{{ j + 1 }}</span>
        <select :value="e.type" @change="setType(s, j, $event.target.value)" aria-label="入口类型">
          <option v-for="t in types" :key="t" :value="t">{{ label(ENTRY_TYPE_LABELS, t) }}</option></select>
        <template v-if="e.type === 'item'">
          <select v-model="e.item_code" aria-label="事项" class="item-select">
            <option value="" disabled>请选择事项</option>
            <option v-if="e.item_code && !known(e.item_code)" :value="e.item_code">{{ e.item_code }}（不存在）</option>
            <option v-for="item in choices" :key="item.code" :value="item.code">{{ itemLabel(item) }}</option>
          </select>
          <input v-model="e.title" :maxlength="entryTitleMax" placeholder="标题（留空则用事项名称）" aria-label="入口标题">
        </template>
        <template v-else>
          <input v-model="e.title" :maxlength="entryTitleMax" placeholder="标题" aria-label="入口标题">
          <input v-if="e.type === 'link'" v-model="e.url" placeholder="https://" aria-label="网址">
          <template v-if="e.type === 'miniprogram'">
            <input v-model="e.appid" class="mono" placeholder="小程序 appid" aria-label="小程序 appid">
            <input v-model="e.path" class="mono" placeholder="页面路径" aria-label="页面路径">
          </template>
        </template>
        <select v-model="e.badge" aria-label="角标"><option :value="null">无角标</option>
          <option v-for="b in badges" :key="b" :value="b">{{ b }}</option></select>
        <input v-model="e.icon" class="mono icon-input" aria-label="入口图标" title="图标">
        <label class="check"><input type="checkbox" v-model="e.visibility.realname_required"> 需实名</label>
        <input :value="e.visibility.regions.join('，')" @change="setRegions(e, $event.target.value)" class="regions"
          placeholder="可见地区代码（留空为全部）" aria-label="可见地区">
        <span class="row-actions">
          <button type="button" class="btn btn-small" @click="move(s.entries, j, -1)" :disabled="j === 0">上移</button>
          <button type="button" class="btn btn-small" @click="move(s.entries, j, 1)" :disabled="j === s.entries.length - 1">下移</button>
          <button type="button" class="btn btn-small btn-danger" @click="s.entries.splice(j, 1)">删除</button>
        </span>
        <div class="entry-errors"><ErrorsUnder :errors="errors" :prefix="'sections[' + i + '].entries[' + j + ']'"></ErrorsUnder></div>
      </div>
      <button type="button" class="btn btn-small" @click="s.entries.push(blankEntry())">添加入口</button>
    </div>
    <button type="button" class="btn" @click="addSection">添加栏目</button>
  </div>`,
};
