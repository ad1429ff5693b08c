// 消息模板: the mini-programs' message templates of one channel, as registered (the push worker
// sends each event type with the template that lists it).

import { CHANNEL_LABELS, label } from '../forms.js';
import { dateTime } from '../format.js';
import { TEMPLATE_CHANNELS } from '../route.js';
import { EVENT_LABELS, KIND_LABELS, ofChannel } from '../templates.js';
import { ErrorBanner } from './common.js';

const { ref, computed, inject, onMounted } = window.Vue;

export default {
  components: { ErrorBanner },
  props: { channel: String },
  setup(props) {
    const api = inject('api');
    const templates = ref(null);
    const error = ref(null);

    onMounted(async () => {
      try {
        templates.value = (await api.get(`/api/v1/admin/message-templates?channel=${props.channel}`)).data.templates;
      } catch (err) {
        error.value = err;
      }
    });

    const shown = computed(() => ofChannel(templates.value, props.channel));
    const events = (t) => (t.events.length ? t.events.map((e) => label(EVENT_LABELS, e)).join('、') : '不发送（仅试发送）');
    return { templates, shown, error, events, dateTime, label, TEMPLATE_CHANNELS, CHANNEL_LABELS, KIND_LABELS };
  },
  template: `<section class="page templates">
    <div class="page-head">
      <h2>消息模板</h2>
      <nav class="tabs" role="tablist">
        <a v-for="c in TEMPLATE_CHANNELS" :key="c" :href="'#/templates/' + c" role="tab" :aria-selected="c === channel"
          :class="{ active: c === channel }">{{ label(CHANNEL_LABELS, c) }}</a>
      </nav>
      <span class="spacer"></span>
      <a class="btn btn-primary" :href="'#/templates/' + channel + '/new'">登记模板</a>
    </div>
    <p class="muted">按平台后台“我的模板”登记：模板 ID、各关键词（如 character_string13、time11）及其取值。每类办件事件在每个渠道只由一个模板发送。</p>
    <ErrorBanner :error="error"></ErrorBanner>
    <p v-if="!templates && !error" class="muted">正在加载…</p>
    <table v-else-if="templates" class="table">
      <thead><tr><th>模板标题</th><th>模板 ID</th><th>订阅类型</th><th>关键词</th><th>发送的事件</th><th>版本</th><th>最后修改</th></tr></thead>
      <tbody>
        <tr v-for="t in shown" :key="t.id" :data-template="t.template_id">
          <td><a :href="'#/templates/' + channel + '/' + t.id">{{ t.title }}</a></td>
          <td class="mono">{{ t.template_id }}</td>
          <td>{{ label(KIND_LABELS, t.kind) }}</td>
          <td class="mono">{{ t.keys.map((k) => k.key).join(', ') }}</td>
          <td>{{ events(t) }}</td>
          <td class="num">{{ t.version }}</td>
          <td>{{ dateTime(t.updated_at) }} {{ t.updated_by }}</td>
        </tr>
        <tr v-if="!shown.length"><td colspan="7" class="muted center">尚未登记模板：该渠道不会发送订阅消息</td></tr>
      </tbody>
    </table>
  </section>`,
};
