// Validation messages: the server's 422 details are keyed by field path
// ("form[2].options", "sections[0].entries[1].item_code"); these helpers place them next to the
// inputs that produced them and describe the rest in Chinese.

/** The messages for exactly this path (an array, possibly empty). */
export function messagesAt(details, path) {
  const found = details && details[path];
  if (!found) return [];
  return Array.isArray(found) ? found.map(String) : [String(found)];
}

/** Messages under a prefix, with the prefix removed: ("form[2]") -> {"options": [...], "": [...]}. */
export function errorsUnder(details, prefix) {
  const out = {};
  for (const [path, messages] of Object.entries(details || {})) {
    if (path === prefix) out[''] = messages;
    else if (path.startsWith(`${prefix}.`)) out[path.slice(prefix.length + 1)] = messages;
    else if (path.startsWith(`${prefix}[`)) out[path.slice(prefix.length)] = messages;
  }
  return out;
}

/** Whether any message lies at or under a path. */
export function hasErrorsUnder(details, prefix) {
  return Object.keys(errorsUnder(details, prefix)).length > 0;
}

const SEGMENT = /([^.[\]]+)|\[(\d+)\]/g;

/** "sections[0].entries[1].item_code" -> ["sections", 0, "entries", 1, "item_code"] */
export function parsePath(path) {
  const out = [];
  for (const m of String(path).matchAll(SEGMENT)) out.push(m[2] !== undefined ? Number(m[2]) : m[1]);
  return out;
}

// Chinese names of the fields operators edit (items, form fields, materials, menus, WeChat menu).
export const FIELD_LABELS = {
  code: '编码', name: '名称', category: '分类', department: '主管部门', kind: '事项类型',
  channels: '服务渠道', description: '事项说明', keywords: '关键词', form: '申请表单',
  materials: '申请材料', promise_days: '承诺时限', fee_fen: '收费', online_depth: '网办深度',
  regions: '适用地区', query: '查询接口', link_url: '链接地址', status: '状态',
  label: '显示名称', type: '类型', required: '必填', max_length: '最大长度', min: '最小值', max: '最大值',
  options: '选项', value: '选项值', multiple: '多选', help: '填写说明', placeholder: '占位提示', note: '备注',
  sections: '栏目', entries: '入口', key: '标识', title: '标题', icon: '图标', item_code: '事项',
  url: '网址', appid: '小程序 appid', path: '页面路径', badge: '角标', visibility: '可见范围',
  realname_required: '需实名', official_account: '公众号菜单', button: '一级菜单', sub_button: '二级菜单',
  pagepath: '小程序页面', from: '开始日期', to: '结束日期', _schema: '整体',
  template_id: '模板 ID', keys: '关键词', events: '发送的事件', source: '取值', text: '固定文字', page: '页面',
  template: '模板', event: '示例事件',
  guide: '办事指南', conditions: '受理条件', places: '办理地点', address: '地址', hours: '办理时间',
  phones: '咨询电话', number: '号码', basis: '设定依据', steps: '办理流程', detail: '说明', fee_note: '收费说明',
  sample: '结果样本', shown_when: '显示条件', required_when: '条件必填', equals: '条件值', prefill: '预填',
};

// List names whose elements are counted for people ("第 2 个入口").
const ELEMENT_NAMES = {
  sections: '栏目', entries: '入口', form: '字段', materials: '材料', options: '选项',
  button: '一级菜单', sub_button: '二级菜单', keywords: '关键词', regions: '地区', channels: '渠道',
  keys: '关键词', events: '事件', conditions: '受理条件', places: '地点', phones: '电话', basis: '依据', steps: '步骤',
};

/** A readable location: "sections[0].entries[1].item_code" -> "第 1 个栏目 › 第 2 个入口 › 事项". */
export function describePath(path) {
  const parts = parsePath(path);
  const words = [];
  for (let i = 0; i < parts.length; i += 1) {
    const part = parts[i];
    const next = parts[i + 1];
    if (typeof next === 'number' && ELEMENT_NAMES[part]) {
      words.push(`第 ${next + 1} 个${ELEMENT_NAMES[part]}`);
      i += 1;
    } else if (typeof part === 'number') {
      words.push(`第 ${part + 1} 项`);
    } else {
      words.push(FIELD_LABELS[part] || part);
    }
  }
  return words.join(' › ');
}

/** Every message as one line with its location, for a summary list. */
export function describeAll(details) {
  return Object.entries(details || {}).flatMap(([path, messages]) =>
    (Array.isArray(messages) ? messages : [messages]).map((message) => ({ path, where: describePath(path), message: String(message) })));
}

/** A person-facing sentence for any error thrown by the API client (or code). */
export function errorText(err) {
  if (!err) return '';
  if (typeof err === 'string') return err;
  return err.message || '操作失败，请稍后再试';
}

/** For a WeChat refusal (details.errcode), the line to show beside the official-account menu. */
export function wechatErrorLine(err) {
  const details = err && err.details;
  if (!details || details.errcode === undefined) return '';
  return `微信错误码 ${details.errcode}${details.errmsg ? `：${details.errmsg}` : ''}`;
}
