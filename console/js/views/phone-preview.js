// A phone-sized (375 px) picture of the channel's home page as residents will see it.

import { CHANNEL_LABELS, label } from '../forms.js';

export default {
  props: { view: Object, channel: String, caption: String },
  setup() {
    return { label, CHANNEL_LABELS };
  },
  template: `<div class="preview">
    <div class="preview-caption">{{ caption }}</div>
    <div class="phone" :aria-label="'手机预览：' + label(CHANNEL_LABELS, channel)">
      <div class="phone-status"><span>9:41</span><span>{{ label(CHANNEL_LABELS, channel) }}</span></div>
      <div class="phone-title">政务服务</div>
      <div class="phone-body">
        <div class="phone-search">搜索办事事项，支持拼音首字母</div>
        <div v-for="s in view.sections" :key="s.key" class="phone-card">
          <div class="phone-section-title">{{ s.title }}</div>
          <div class="phone-grid">
            <div v-for="(e, i) in s.entries" :key="i" class="phone-cell">
              <div class="phone-icon">{{ e.title.slice(0, 1) }}</div>
              <div class="phone-cell-title">{{ e.title }}</div>
              <span v-if="e.badge" class="phone-badge">{{ e.badge }}</span>
            </div>
          </div>
        </div>
        <div v-if="!view.sections.length" class="phone-empty">菜单为空，居民将看到“首页菜单尚未发布”</div>
      </div>
    </div>
    <div v-if="view.hidden.length" class="preview-hidden">
      <div class="muted">以下入口不会显示给居民：</div>
      <ul><li v-for="(h, i) in view.hidden" :key="i">{{ h.section }} › {{ h.title }}：{{ h.reason }}</li></ul>
    </div>
  </div>`,
};
