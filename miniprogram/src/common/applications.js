// View logic of 我的办件 (list and detail). Pure functions: tested with node --test.
import { applicationStateLabel, formatDateTime } from './format.js';

// The list's filter tabs; '' is every state.
export const STATE_TABS = Object.freeze([
  { state: '', label: '全部' },
  { state: 'submitted', label: '已提交' },
  { state: 'accepted', label: '已受理' },
  { state: 'in_review', label: '审核中' },
  { state: 'supplement_required', label: '待补正' },
  { state: 'completed', label: '已办结' },
]);

export const FINAL_STATES = Object.freeze(['refused', 'denied', 'withdrawn', 'completed']);

// Colour class per state: waiting on the resident, finished well, finished badly, in progress.
export function stateTone(state) {
  if (state === 'supplement_required') return 'warn';
  if (state === 'completed' || state === 'approved') return 'ok';
  if (state === 'refused' || state === 'denied' || state === 'withdrawn') return 'bad';
  return 'info';
}

const ACTION_LABELS = Object.freeze({
  submit: '提交申请',
  accept: '部门受理',
  refuse: '不予受理',
  start_review: '开始审核',
  approve: '审核通过',
  deny: '不予批准',
  request_supplement: '要求补正材料',
  resubmit: '补正材料',
  withdraw: '撤回申请',
  complete: '办结',
});

export function actionLabel(action) {
  return Object.prototype.hasOwnProperty.call(ACTION_LABELS, action) ? ACTION_LABELS[action] : action;
}

// Newest first, Beijing time. A staff claim changes no state and names a staff account: not shown.
export function timelineView(timeline) {
  return (timeline || [])
    .filter((e) => e.action !== 'claim')
    .map((e) => ({
      state: e.to,
      title: applicationStateLabel(e.to),
      action: actionLabel(e.action),
      by: e.role === 'staff' ? '工作人员' : '本人',
      time: formatDateTime(e.at),
      comment: e.comment || '',
      tone: stateTone(e.to),
    }))
    .reverse();
}

// 承诺办结日期 line and whether to warn: an open application past its due date is overdue.
export function dueView(app) {
  if (!app || !app.due_date) return { text: '—', notice: '' };
  const text = app.due_provisional ? `${app.due_date}（预计，以节假日安排为准）` : app.due_date;
  const open = !FINAL_STATES.includes(app.state);
  return { text, notice: open && app.overdue ? '已超过承诺办结日期，部门正在加快办理' : '' };
}

function allowed(app, action) {
  return Boolean(app && Array.isArray(app.allowed_actions) && app.allowed_actions.includes(action));
}

export function canWithdraw(app) {
  return allowed(app, 'withdraw');
}

export function canSupplement(app) {
  return Boolean(app && app.state === 'supplement_required');
}

export function canRate(app) {
  return Boolean(app && app.state === 'completed' && !app.rating);
}

// What the department asked for in its latest request_supplement event.
export function supplementRequest(app) {
  const events = (app && app.timeline) || [];
  for (let i = events.length - 1; i >= 0; i -= 1) {
    if (events[i].action === 'request_supplement') return events[i].comment || '';
  }
  return '';
}

export const RATING_LABELS = Object.freeze(['非常不满意', '不满意', '基本满意', '满意', '非常满意']);

export function ratingLabel(score) {
  return RATING_LABELS[score - 1] || '';
}

// One row of the list.
export function listRow(app) {
  return {
    number: app.number,
    name: app.item_name || app.item_code,
    state: app.state,
    stateLabel: applicationStateLabel(app.state),
    tone: stateTone(app.state),
    submitted: formatDateTime(app.submitted_at),
    due: app.due_date || '',
    overdue: Boolean(app.overdue) && !FINAL_STATES.includes(app.state),
  };
}

// Page-merge for cursor paging: a repeated number (the list moved under us) is shown once.
export function mergePage(current, incoming) {
  const seen = new Set(current.map((a) => a.number));
  return current.concat(incoming.filter((a) => !seen.has(a.number)));
}

// 办理进度 as a stepper: the steps done, the one under way and the steps to come. A refusal,
// denial or withdrawal stops the stepper at the step it happened in.
const STEPS = Object.freeze([
  { key: 'submit', title: '提交申请' },
  { key: 'accept', title: '部门受理', hint: '审查材料是否齐全，不全会通知您补正' },
  { key: 'review', title: '审核办理' },
  { key: 'decide', title: '审批决定' },
  { key: 'complete', title: '办结', hint: '领取或下载办理结果' },
]);
const UNDER_WAY = Object.freeze({
  submitted: 1, accepted: 2, in_review: 2, supplement_required: 2, resubmitted: 2, approved: 4,
});
const STOPPED_AT = Object.freeze({ refused: 1, denied: 3 });
export const STEP_STATUS_LABELS = Object.freeze({ done: '已完成', current: '进行中', todo: '待办理', stopped: '已终止' });

export function stepperView(app) {
  const state = app && app.state;
  let current = UNDER_WAY[state];
  let stopped = null;
  if (state === 'completed') current = STEPS.length;
  else if (state in STOPPED_AT) stopped = STOPPED_AT[state];
  else if (state === 'withdrawn') {
    const before = ((app && app.timeline) || []).filter((e) => e.to && e.to !== 'withdrawn' && e.action !== 'claim').pop();
    stopped = before && UNDER_WAY[before.to] !== undefined ? UNDER_WAY[before.to] : 1;
  }
  if (current === undefined && stopped === null) current = 1;
  const due = app && app.due_date ? `承诺 ${app.due_date} 前办结` : '';
  return STEPS.map((step, i) => {
    let status;
    if (stopped !== null) status = i < stopped ? 'done' : i === stopped ? 'stopped' : 'todo';
    else status = i < current ? 'done' : i === current ? 'current' : 'todo';
    let title = step.title;
    if (status === 'stopped') title = applicationStateLabel(state);
    else if (status === 'current' && state === 'supplement_required') title = '待补正材料';
    let hint = status === 'todo' || status === 'current' ? step.hint || '' : '';
    if (step.key === 'complete' && (status === 'todo' || status === 'current') && due) hint = due;
    return { key: step.key, title, status, statusLabel: STEP_STATUS_LABELS[status], hint: stopped !== null && status === 'todo' ? '' : hint };
  });
}

// What happens after a submit, in order, for the page shown right after it.
export function nextSteps(app, promiseDays) {
  const days = promiseDays === undefined || promiseDays === null ? null : Number(promiseDays);
  const byWhen = days === 0 ? '即办事项，受理后当场办结'
    : days ? `承诺 ${days} 个工作日内办结${app && app.due_date ? `，即 ${app.due_date} 前` : ''}`
      : app && app.due_date ? `承诺 ${app.due_date} 前办结` : '';
  return [
    { title: '部门受理', text: '工作人员审查您提交的材料；材料不全会通过消息通知您补正。' },
    { title: '审核办理', text: byWhen ? `部门审核办理，${byWhen}。` : '部门审核办理。' },
    { title: '结果通知', text: '每一步都会发消息告诉您，也可以随时在“我的办件”查看进度。' },
  ];
}
