// 差评整改: the list of rectification tickets, and one ticket with the steps the reader may take
// (processors: call-back, close, appeal; operators: decide an appeal).

import { HISTORY_LABELS, OUTCOMES, TICKET_STATES, stepProblems, stepRequest, ticketDue, ticketSteps } from '../tickets.js';
import { beijingToday, dateTime } from '../format.js';
import { ErrorBanner } from './common.js';
import { notify, store } from './store.js';

const { ref, reactive, computed, inject, onMounted } = window.Vue;

export const TicketList = {
  components: { ErrorBanner },
  setup() {
    const api = inject('api');
    const state = ref('');
    const tickets = ref([]);
    const error = ref(null);
    async function load() {
      error.value = null;
      try {
        tickets.value = (await api.get('/api/v1/staff/tickets', { query: { state: state.value } })).data.tickets;
      } catch (err) {
        error.value = err;
      }
    }
    onMounted(load);
    const today = beijingToday();
    const rows = computed(() => tickets.value.map((t) => ({ ...t, stateText: TICKET_STATES[t.state], due: ticketDue(t, today),
      late: ['open', 'appealed'].includes(t.state) && t.due_date < today })));
    return { state, rows, error, load, TICKET_STATES, dateTime };
  },
  template: `<section class="page tickets">
    <div class="page-head"><h2>差评整改</h2></div>
    <div class="filters"><label class="inline">状态<select v-model="state" name="state" @change="load">
      <option value="">全部</option><option v-for="(text, s) in TICKET_STATES" :key="s" :value="s">{{ text }}</option>
    </select></label></div>
    <ErrorBanner :error="error"></ErrorBanner>
    <table class="table ticket-list">
      <thead><tr><th>办件编号</th><th>事项</th><th>评价</th><th>状态</th><th>时限</th><th>生成时间</th><th>操作</th></tr></thead>
      <tbody>
        <tr v-for="t in rows" :key="t.id" :data-number="t.number">
          <td class="mono">{{ t.number }}</td><td>{{ t.item_name }}</td><td>{{ t.rating.label }}</td><td>{{ t.stateText }}</td>
          <td :class="{ 'due-text-overdue': t.late }">{{ t.due }}</td><td class="nowrap">{{ dateTime(t.opened_at) }}</td>
          <td><a class="btn btn-small" :href="'#/tickets/' + t.id" :aria-label="'处理工单 ' + t.number">查看</a></td></tr>
        <tr v-if="!rows.length"><td colspan="7" class="muted center">暂无整改工单</td></tr>
      </tbody>
    </table>
  </section>`,
};

const STEP_LABELS = { callback: '记录回访', close: '办结整改', appeal: '申诉', decide: '裁定申诉' };

export const TicketPage = {
  components: { ErrorBanner },
  props: { id: String },
  setup(props) {
    const api = inject('api');
    const ticket = ref(null);
    const error = ref(null);
    const step = ref('');
    const input = reactive({});
    const tried = ref(false);
    const busy = ref(false);
    async function load() {
      try {
        ticket.value = (await api.get(`/api/v1/staff/tickets/${props.id}`)).data;
      } catch (err) {
        error.value = err;
      }
    }
    onMounted(load);
    function choose(name) {
      step.value = name;
      tried.value = false;
      for (const k of Object.keys(input)) delete input[k];
    }
    const problems = computed(() => (tried.value ? stepProblems(step.value, input) : {}));
    async function send() {
      tried.value = true;
      if (Object.keys(stepProblems(step.value, input)).length) return;
      busy.value = true;
      error.value = null;
      try {
        const [path, body] = stepRequest(step.value, props.id, input);
        ticket.value = (await api.post(path, body)).data;
        notify(`已${STEP_LABELS[step.value]}`);
        step.value = '';
      } catch (err) {
        error.value = err;
        if (err.status === 409) await load();
      } finally {
        busy.value = false;
      }
    }
    const steps = computed(() => ticketSteps(ticket.value, store.staff?.role));
    const due = computed(() => ticket.value && ticketDue(ticket.value, beijingToday()));
    return { ticket, error, step, input, tried, busy, problems, steps, due, choose, send, STEP_LABELS, OUTCOMES,
      TICKET_STATES, HISTORY_LABELS, dateTime };
  },
  template: `<section class="page ticket">
    <div class="page-head"><a href="#/tickets" class="btn btn-small">← 返回列表</a>
      <h2>整改工单 <span v-if="ticket" class="mono">{{ ticket.number }}</span></h2>
      <span v-if="ticket" class="tag">{{ TICKET_STATES[ticket.state] }}</span>
      <span v-if="ticket" class="due">{{ due }}</span></div>
    <ErrorBanner :error="error" summary></ErrorBanner>
    <template v-if="ticket">
      <div class="card rating-card">
        <p><strong>{{ ticket.rating.label }}</strong> · {{ ticket.item_name }}</p>
        <p>原因：{{ ticket.rating.reason_labels.join('、') }}</p>
        <p>申请人说：{{ ticket.rating.comment }}</p>
      </div>
      <div v-if="ticket.resolution" class="card"><strong>整改结果（{{ OUTCOMES[ticket.resolution.outcome] }}）</strong>
        <p>{{ ticket.resolution.text }}</p><p class="muted">{{ ticket.resolution.by }} · {{ dateTime(ticket.resolution.at) }}</p></div>
      <div v-if="ticket.verdict" class="card"><strong>申请人反馈：{{ ticket.verdict.solved ? '已解决' : '未解决' }}</strong>
        <p v-if="ticket.verdict.comment">{{ ticket.verdict.comment }}</p></div>
      <div v-if="ticket.appeal" class="card"><strong>申诉</strong><p>{{ ticket.appeal.reason }}</p>
        <p v-if="ticket.appeal.decision">裁定：{{ ticket.appeal.decision === 'upheld' ? '申诉成立' : '申诉驳回' }}（{{ ticket.appeal.comment }}）</p>
        <p v-else class="muted">等待运营人员裁定</p></div>
      <div v-if="steps.length" class="actions">
        <button v-for="s in steps" :key="s" type="button" class="btn" :class="{ 'btn-primary': step === s }" @click="choose(s)">{{ STEP_LABELS[s] }}</button>
      </div>
      <form v-if="step" class="card action-form" @submit.prevent="send" novalidate :aria-label="STEP_LABELS[step]">
        <template v-if="step === 'callback'">
          <label>回访时间（北京时间）<input type="datetime-local" v-model="input.called_at" name="called_at"></label>
          <p v-if="problems.called_at" class="field-error" role="alert">{{ problems.called_at }}</p>
          <label>回访结果<textarea v-model="input.result" name="result" rows="3" maxlength="500"></textarea></label>
          <p v-if="problems.result" class="field-error" role="alert">{{ problems.result }}</p>
        </template>
        <template v-if="step === 'close'">
          <label>整改结果<select v-model="input.outcome" name="outcome"><option value="">请选择</option>
            <option v-for="(text, o) in OUTCOMES" :key="o" :value="o">{{ text }}</option></select></label>
          <p v-if="problems.outcome" class="field-error" role="alert">{{ problems.outcome }}</p>
          <label>整改情况或说明<textarea v-model="input.text" name="text" rows="3" maxlength="1000"></textarea></label>
          <p v-if="problems.text" class="field-error" role="alert">{{ problems.text }}</p>
        </template>
        <template v-if="step === 'appeal'">
          <label>申诉理由<textarea v-model="input.reason" name="reason" rows="3" maxlength="1000"></textarea></label>
          <p v-if="problems.reason" class="field-error" role="alert">{{ problems.reason }}</p>
        </template>
        <template v-if="step === 'decide'">
          <fieldset><legend>裁定结果</legend>
            <label class="check"><input type="radio" value="upheld" v-model="input.decision" name="decision">申诉成立（撤销该差评）</label>
            <label class="check"><input type="radio" value="rejected" v-model="input.decision" name="decision">申诉驳回（部门继续整改）</label></fieldset>
          <p v-if="problems.decision" class="field-error" role="alert">{{ problems.decision }}</p>
          <label>裁定意见<textarea v-model="input.comment" name="comment" rows="3" maxlength="500"></textarea></label>
          <p v-if="problems.comment" class="field-error" role="alert">{{ problems.comment }}</p>
        </template>
        <div><button class="btn btn-primary" type="submit" :disabled="busy">确认{{ STEP_LABELS[step] }}</button>
          <button class="btn" type="button" @click="step = ''">取消</button></div>
      </form>
      <h3>回访记录</h3>
      <ul class="callbacks"><li v-for="(c, i) in ticket.callbacks" :key="i">{{ dateTime(c.called_at) }} {{ c.by }}：{{ c.result }}</li>
        <li v-if="!ticket.callbacks.length" class="muted">尚未回访</li></ul>
      <h3>处理过程</h3>
      <ol class="timeline"><li v-for="(h, i) in ticket.history" :key="i"><span class="muted">{{ dateTime(h.at) }}</span>
        <strong>{{ HISTORY_LABELS[h.action] || h.action }}</strong> {{ h.actor === 'system' ? '' : h.actor === 'resident' ? '申请人' : h.actor }}
        <p v-if="h.comment" class="timeline-comment">{{ h.comment }}</p></li></ol>
    </template>
  </section>`,
};
