// Published versions of a channel's menu, newest first, with 查看 and 回滚.

import { dateTime } from '../format.js';

export default {
  props: { versions: Array, head: Number, viewing: Number, canRollback: { type: Boolean, default: true } },
  emits: ['view', 'rollback'],
  setup() {
    return { dateTime };
  },
  template: `<table class="table versions">
    <thead><tr><th>版本</th><th>发布时间</th><th>发布人</th><th>说明</th><th></th></tr></thead>
    <tbody>
      <tr v-for="v in versions" :key="v.version" :class="{ current: v.version === head, viewing: v.version === viewing }" :data-version="v.version">
        <td class="num">{{ v.version }} <span v-if="v.version === head" class="tag tag-published">当前</span></td>
        <td>{{ dateTime(v.published_at) }}</td>
        <td>{{ v.published_by }}</td>
        <td>{{ v.comment }}<span v-if="v.rollback_of" class="muted">（回滚自版本 {{ v.rollback_of }}）</span></td>
        <td class="nowrap">
          <button type="button" class="btn btn-small" @click="$emit('view', v.version)">查看</button>
          <button v-if="canRollback" type="button" class="btn btn-small" @click="$emit('rollback', v.version)" :disabled="v.version === head">回滚到此版本</button>
        </td>
      </tr>
      <tr v-if="!versions.length"><td colspan="5" class="muted center">尚未发布过菜单</td></tr>
    </tbody>
  </table>`,
};
