// Dispatch tasks as the inspector works them: the next step from the task's state, labels, and
// which tasks are new since the last look (to alert on).
export const TASK_STATE = Object.freeze({
  open: '待指派', assigned: '待接受', accepted: '已接受（前往中）', arrived: '已到场', completed: '已完成',
});
export const PRIORITY = Object.freeze({ urgent: '紧急', normal: '一般', low: '较低' });
const NEXT = { assigned: ['accept', '接受任务'], accepted: ['arrive', '到达现场'], arrived: ['complete', '完成任务'] };

// {step, label} for the assignee, or null when nothing is left to do.
export function nextStep(task) {
  const next = task && NEXT[task.state];
  return next ? { step: next[0], label: next[1] } : null;
}

// Ids of tasks assigned to me that I had not seen before.
export function newlyAssigned(tasks, seenIds) {
  const seen = new Set(seenIds);
  return tasks.filter((t) => t.state === 'assigned' && !seen.has(t.id)).map((t) => t.id);
}

// Heartbeats: every minute while on duty, and at once when moved more than 50 m.
export const HEARTBEAT_MS = 60000;
export function heartbeatDue(last, now, moved) {
  return !last || now - last >= HEARTBEAT_MS || (moved !== null && moved > 50);
}

// A supervisor's new task (监督检查 → 派发任务): the form as typed → {body} for POST /tasks, or
// {problems} per field. The type is the task's title; the details, if any, follow it.
export const TASK_KINDS = Object.freeze(['违停处置', '占道经营', '噪声扰民', '渣土运输', '投诉核查', '其他']);

function coordinate(text, lo, hi) {
  const value = Number(String(text ?? '').trim());
  return String(text ?? '').trim() !== '' && Number.isFinite(value) && value >= lo && value <= hi ? value : null;
}

export function taskBody(form) {
  const problems = {};
  const details = String(form.details || '').trim();
  const address = String(form.address || '').trim();
  if (!TASK_KINDS.includes(form.kind)) problems.kind = '请选择任务类型';
  if (form.kind === '其他' && details.length < 2) problems.details = '类型为“其他”时请写明任务内容';
  const description = details ? `${form.kind}：${details}` : form.kind;
  if (description && description.length > 500) problems.details = '任务内容不能超过 500 字';
  if (address.length > 200) problems.address = '地址不能超过 200 字';
  const lat = coordinate(form.lat, -90, 90);
  const lng = coordinate(form.lng, -180, 180);
  if (lat === null) problems.lat = '纬度应为 -90 到 90 之间的数字';
  if (lng === null) problems.lng = '经度应为 -180 到 180 之间的数字';
  if (!PRIORITY[form.priority]) problems.priority = '请选择紧急程度';
  if (Object.keys(problems).length) return { problems };
  return { body: { description, address, priority: form.priority, location: { type: 'Point', coordinates: [lng, lat] } } };
}
