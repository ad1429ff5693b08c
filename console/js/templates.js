// Message templates of the mini-programs (models/message_templates.py): labels for the server's
// codes, the editor's model and the body POST/PUT accept (TemplateInSchema), the checks worth
// making before a round trip, and how a preview or test-send answer reads.

export const KIND_LABELS = { 'one-time': '一次性订阅', 'long-term': '长期订阅' };
export const SOURCE_LABELS = {
  item_name: '事项名称', number: '办件编号', status: '办理状态', title: '通知标题', body: '通知内容',
  time: '更新时间', remark: '温馨提示', fixed: '固定文字',
};
export const EVENT_LABELS = {
  'application.submitted': '办件已提交', 'application.accepted': '办件已受理', 'application.refused': '不予受理',
  'application.in_review': '审核中', 'application.approved': '已准予', 'application.denied': '不予批准',
  'application.supplement_required': '请补正材料', 'application.resubmitted': '补正已提交',
  'application.withdrawn': '已撤回', 'application.completed': '已办结',
};
// WeChat's keyword types and what each takes (subscribeMessage.send's content limits)
export const TYPE_RULES = {
  thing: '事物：20 个以内字符（超出以“…”截断）', number: '数字：32 位以内，可带小数', letter: '字母：32 位以内',
  symbol: '符号：5 位以内', character_string: '字符串：32 位以内数字、字母或符号',
  time: '时间：15:01 或 2019年10月1日 15:01', date: '日期：2019年10月1日 或 2019-10-01',
  amount: '金额：币种符号加 10 位以内数字，可带“元”', phone_number: '电话：17 位以内数字或符号',
  car_number: '车牌：8 位以内', name: '姓名：10 个以内汉字或 20 个以内字母', phrase: '汉字：5 个以内',
  keyword: '支付宝关键词：长度以内的任意文字（超出截断）',
};
export const DEFAULT_PAGE = 'pages/applications/detail';
export const STATUS_LABELS = { accepted: '平台已受理', delivered: '已送达', 'temporary-failure': '暂时失败', 'permanent-failure': '发送失败' };

const KEY = /^[a-z][a-z_]*[0-9]{1,3}$/;
const present = (v) => v !== null && v !== undefined && String(v).trim() !== '';

/** "character_string13" -> "character_string" (a WeChat key starts with its type). */
export function typeOfKey(key) {
  return String(key || '').replace(/[0-9]+$/, '');
}

export function blankKey(channel, existing = []) {
  const n = existing.length + 1;
  return channel === 'alipay'
    ? { key: `keyword${n}`, type: 'keyword', source: 'item_name', text: '', max_length: '20' }
    : { key: `thing${n}`, type: 'thing', source: 'item_name', text: '', max_length: '' };
}

export function blankTemplate(channel = 'wechat') {
  return { channel, template_id: '', kind: 'one-time', title: '', page: DEFAULT_PAGE, keys: [blankKey(channel)], events: [] };
}

/** A template from the server -> the editor's model (settings as text, every one present). */
export function toEditable(doc) {
  return {
    channel: doc.channel || 'wechat', template_id: doc.template_id || '', kind: doc.kind || 'one-time',
    title: doc.title || '', page: doc.page || DEFAULT_PAGE, events: [...(doc.events || [])],
    keys: (doc.keys || []).map((k) => ({ key: k.key, type: k.type, source: k.source, text: k.text || '',
      max_length: k.max_length ? String(k.max_length) : '' })),
  };
}

/** The editor's model -> {body, errors}: the body TemplateInSchema accepts, and what to fix first. */
export function toPayload(model) {
  const errors = {};
  const wechat = model.channel === 'wechat';
  const seen = new Set();
  const keys = model.keys.map((k, i) => {
    const key = String(k.key || '').trim();
    const out = { key, type: wechat ? typeOfKey(key) : 'keyword', source: k.source };
    if (!KEY.test(key)) errors[`keys[${i}].key`] = ['关键词应为类型加序号，如 thing1、keyword2'];
    else if (wechat && !TYPE_RULES[out.type]) errors[`keys[${i}].key`] = [`未知的关键词类型：${out.type}`];
    else if (!wechat && !/^keyword[0-9]+$/.test(key)) errors[`keys[${i}].key`] = ['支付宝关键词应为 keyword 加序号'];
    if (seen.has(key)) errors[`keys[${i}].key`] = ['关键词重复'];
    seen.add(key);
    if (k.source === 'fixed') {
      out.text = String(k.text || '').trim();
      if (!out.text) errors[`keys[${i}].text`] = ['请填写固定文字'];
    }
    if (!wechat && present(k.max_length)) out.max_length = Number(k.max_length);
    return out;
  });
  if (!keys.length) errors.keys = ['至少登记一个关键词'];
  if (!present(model.template_id)) errors.template_id = ['请填写平台上的模板 ID'];
  if (!present(model.title)) errors.title = ['请填写模板标题'];
  const body = { channel: model.channel, template_id: String(model.template_id).trim(), kind: model.kind,
    title: String(model.title).trim(), page: String(model.page || DEFAULT_PAGE).trim(), keys, events: [...model.events] };
  return { body, errors };
}

/** Event type -> the title of another template of the channel that already sends it. */
export function takenEvents(templates, model, ownId = null) {
  const taken = {};
  for (const t of templates || []) {
    if (t.channel !== model.channel || t.id === ownId) continue;
    for (const event of t.events || []) taken[event] = t.title;
  }
  return taken;
}

/** The `data` a preview or test-send shows, one row per key, in the template's order. */
export function dataRows(keys, answer) {
  const data = answer?.data || {};
  const problems = answer?.problems || {};
  return keys.map((k) => ({ key: k.key, value: data[k.key]?.value ?? '', problem: problems[k.key] || '' }));
}

/** One line for a test-send's outcome. */
export function outcomeLine(answer) {
  if (!answer) return '';
  const status = STATUS_LABELS[answer.status] || answer.status;
  if (answer.status === 'accepted' || answer.status === 'delivered') return `${status}，消息 ID ${answer.receipt || '—'}`;
  return `${status}：${answer.reason || '原因未知'}`;
}

/** Templates of one channel, in the order the server lists them. */
export function ofChannel(templates, channel) {
  return (templates || []).filter((t) => t.channel === channel);
}
