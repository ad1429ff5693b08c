// The processors' workbench: state names, due dates in working days, the actions the state machine
// allows with what each needs, and conflicts explained in plain Chinese. No DOM here.

export const STATE_LABELS = {
  submitted: '待受理', accepted: '已受理', refused: '不予受理', in_review: '审核中', approved: '准予许可',
  denied: '不予许可', supplement_required: '待补正', resubmitted: '已补正', withdrawn: '已撤回', completed: '已办结',
};

// The queue's state filter (open states only: the queue never lists finished ones).
export const OPEN_STATES = ['submitted', 'accepted', 'in_review', 'supplement_required', 'resubmitted'];

// action: label, whether a comment is required, the comment's label, what else it needs
export const ACTIONS = {
  accept: { label: '受理', comment: false, commentLabel: '受理意见（选填）' },
  refuse: { label: '不予受理', comment: true, commentLabel: '不予受理的理由', danger: true },
  start_review: { label: '开始审核', comment: false, commentLabel: '审核意见（选填）' },
  request_supplement: { label: '要求补正', comment: true, commentLabel: '补正原因', materials: true },
  approve: { label: '准予许可', comment: false, commentLabel: '审核意见（选填）' },
  deny: { label: '不予许可', comment: true, commentLabel: '不予许可的理由', danger: true },
  complete: { label: '办结', comment: false, commentLabel: '办结说明（选填）', result: true },
};

export const TIMELINE_LABELS = {
  submit: '提交申请', claim: '认领', release: '释放认领', accept: '受理', refuse: '不予受理', start_review: '开始审核',
  approve: '准予许可', deny: '不予许可', request_supplement: '要求补正', resubmit: '补正材料', withdraw: '撤回',
  complete: '办结',
};

/** How soon an open application is due, in words and a level for its colour (never colour alone). */
export function dueStatus(app) {
  if (['refused', 'denied', 'withdrawn', 'completed'].includes(app.state)) return { text: '已结束', level: 'done' };
  if (app.state === 'supplement_required') return { text: '等待申请人补正', level: 'waiting' };
  const n = app.due_in;
  if (n === null || n === undefined) return app.overdue ? { text: '已逾期', level: 'overdue' } : { text: '', level: 'normal' };
  if (n < 0) return { text: `已逾期 ${-n} 个工作日`, level: 'overdue' };
  if (n === 0) return { text: '今日到期', level: 'today' };
  return { text: `剩 ${n} 个工作日`, level: n <= 2 ? 'soon' : 'normal' };
}

/** Whether `person` (username) holds the claim, someone else does, or nobody. */
export function claimState(app, username) {
  if (!app.assignee) return 'free';
  return app.assignee === username ? 'mine' : 'theirs';
}

/** What is missing before `action` can be sent; empty when ready. */
export function actionProblems(action, input) {
  const rule = ACTIONS[action];
  const out = [];
  if (!rule) return ['未知操作'];
  if (rule.comment && !String(input.comment || '').trim()) out.push(`请填写${rule.commentLabel}`);
  if (rule.materials && !(input.materials || []).length) out.push('请选择需要补正的材料');
  if (rule.result && !input.result) out.push('请上传办结结果文件');
  return out;
}

/** The transition body the server takes. */
export function transitionBody(action, version, input) {
  const body = { action, version, comment: String(input.comment || '').trim() };
  if (ACTIONS[action]?.materials) body.materials = [...(input.materials || [])];
  if (ACTIONS[action]?.result) body.result = input.result;
  return body;
}

/** A conflict in words a processor can act on; null when the error is not one. */
export function conflictText(err) {
  if (!err || (err.status !== 409 && err.status !== 412)) return null;
  const d = err.details || {};
  switch (err.code) {
    case 'application.claimed':
      return `该办件已由 ${d.assignee || '其他人员'} 认领，您不能办理。如需接手，请联系对方释放或请管理员释放认领。`;
    case 'application.version_conflict':
      return `在您查看之后，办件已被他人更新${d.state ? `（现为「${STATE_LABELS[d.state] || d.state}」）` : ''}。`
        + '已为您重新载入最新内容，请确认后再操作。';
    case 'application.action_not_allowed':
      return `办件当前状态为「${STATE_LABELS[d.state] || d.state || '未知'}」，不能执行这个操作。请刷新后查看可办理的操作。`;
    case 'application.not_claimed':
      return '该办件目前没有人认领。';
    case 'application.claim_changed':
      return '认领情况刚刚发生了变化，已重新载入，请确认后再操作。';
    case 'application.final':
      return '办件已办结或终止，不能再认领。';
    default:
      return err.status === 412 ? '内容已被他人修改，请刷新后再操作。' : err.message;
  }
}

/** The queue request's query from the filters. */
export function queueQuery(filters) {
  return { state: filters.state || '', q: String(filters.q || '').trim(), claimed: filters.claimed || '', limit: 200 };
}

/** Zoom and rotation of the image viewer, kept in bounds. */
export function viewStep(view, change) {
  const zoom = Math.min(4, Math.max(0.25, Math.round((view.zoom + (change.zoom || 0)) * 100) / 100));
  const rotate = (((view.rotate + (change.rotate || 0)) % 360) + 360) % 360;
  return change.reset ? { zoom: 1, rotate: 0 } : { zoom, rotate };
}

/** The PDF viewer's page after 上一页 (-1) or 下一页 (+1), within 1..count. */
export function pageStep(page, count, delta) {
  return Math.min(Math.max(1, count), Math.max(1, page + delta));
}

/** What to tell the processor when pdf.js cannot open a file (its exceptions carry a `name`). */
export function pdfProblem(err) {
  const name = err && err.name;
  if (name === 'PasswordException') return '该 PDF 已加密，无法在页面中预览，请下载后查看。';
  if (name === 'InvalidPDFException' || name === 'FormatError' || name === 'UnknownErrorException') {
    return 'PDF 文件已损坏或格式不正确，无法在页面中预览，请下载后查看。';
  }
  return 'PDF 无法在页面中显示，请下载后查看。';
}
