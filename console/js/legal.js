// 协议与隐私政策: the texts residents agree to (用户协议, 隐私政策, 身份证号处理告知), their versions, and
// a new version as the operator types it. Pure: node-tested. The server's rules: models/legal.py.

export const LEGAL_KINDS = [
  { kind: 'terms', label: '用户服务协议' },
  { kind: 'privacy', label: '隐私政策' },
  { kind: 'id_number', label: '身份证号处理告知' },
];

/** The sections as the editor shows them: each one a 【heading】 line, then its text. */
export function sectionsToText(sections) {
  return (sections || []).map((s) => `【${s.heading}】\n${s.text}`).join('\n\n');
}

/** The editor's text back into [{heading, text}]; {error} names what is wrong. */
export function textToSections(text) {
  const sections = [];
  let current = null;
  for (const raw of String(text || '').split('\n')) {
    const line = raw.trim();
    const heading = line.match(/^【(.+)】$/);
    if (heading) {
      current = { heading: heading[1].trim(), text: '' };
      sections.push(current);
    } else if (line) {
      if (!current) return { error: '正文应以【标题】开头，每一节一个标题' };
      current.text = current.text ? `${current.text}\n${line}` : line;
    }
  }
  if (!sections.length) return { error: '请至少写一节：【标题】换行后写内容' };
  const empty = sections.find((s) => !s.text);
  if (empty) return { error: `“${empty.heading}”一节没有内容` };
  return { sections };
}

/** POST /api/v1/admin/legal/{kind}; effective: the datetime-local value (Beijing time), '' for at once. */
export function publishBody({ title, text, effective, changes }) {
  const parsed = textToSections(text);
  if (parsed.error) return { error: parsed.error };
  if (!String(title || '').trim()) return { error: '请填写标题' };
  const body = { title: title.trim(), sections: parsed.sections, changes: String(changes || '').trim() };
  if (effective) body.effective_at = `${effective.length === 16 ? `${effective}:00` : effective}+08:00`;
  return { body };
}
