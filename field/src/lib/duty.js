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
