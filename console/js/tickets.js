// 差评整改: ticket states and steps in words, who may take which step, the request bodies. No DOM.

export const TICKET_STATES = { open: '整改中', closed: '已办结', appealed: '申诉中', voided: '申诉成立已撤销' };
export const OUTCOMES = { rectified: '已整改', explained: '作出说明' };
export const HISTORY_LABELS = {
  open: '差评生成工单', callback: '回访', close: '办结整改', solved: '申请人确认已解决', unsolved: '申请人表示未解决',
  appeal: '部门申诉', appeal_upheld: '申诉成立', appeal_rejected: '申诉驳回',
};

/** The steps `role` may take on `ticket` now. Processors work their department's; operators decide appeals. */
export function ticketSteps(ticket, role) {
  if (!ticket) return [];
  if (role === 'processor' && ticket.state === 'open') {
    const steps = ['callback', 'close'];
    if (!ticket.appeal) steps.push('appeal');
    return steps;
  }
  if ((role === 'operator' || role === 'admin') && ticket.state === 'appealed') return ['decide'];
  return [];
}

/** Deadline in words for an open ticket, from today's Beijing date (ISO strings compare as dates). */
export function ticketDue(ticket, today) {
  if (ticket.state === 'closed') return ticket.on_time ? '按时办结' : '超期办结';
  if (ticket.state === 'voided') return '已撤销';
  if (ticket.due_date < today) return `已超期（应于 ${ticket.due_date} 前办结）`;
  if (ticket.due_date === today) return '今日到期';
  return `应于 ${ticket.due_date} 前办结`;
}

/** "2026-01-05T10:30" typed in Beijing time -> an ISO time with its offset. */
export function beijingIso(local) {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(local || '')) return null;
  return `${local}:00+08:00`;
}

/** What is missing before a step can be sent: {field: message}. */
export function stepProblems(step, input) {
  const out = {};
  const text = (v) => String(v || '').trim();
  if (step === 'callback') {
    if (!beijingIso(input.called_at)) out.called_at = '请填写回访时间';
    if (!text(input.result)) out.result = '请填写回访结果';
  } else if (step === 'close') {
    if (!OUTCOMES[input.outcome]) out.outcome = '请选择整改结果';
    if (!text(input.text)) out.text = '请填写整改情况或说明';
  } else if (step === 'appeal') {
    if (!text(input.reason)) out.reason = '请填写申诉理由';
  } else if (step === 'decide') {
    if (!['upheld', 'rejected'].includes(input.decision)) out.decision = '请选择裁定结果';
    if (!text(input.comment)) out.comment = '请填写裁定意见';
  }
  return out;
}

/** [path tail, body] of a step. */
export function stepRequest(step, id, input) {
  const t = (v) => String(v || '').trim();
  return {
    callback: [`/api/v1/staff/tickets/${id}/callbacks`, { called_at: beijingIso(input.called_at), result: t(input.result) }],
    close: [`/api/v1/staff/tickets/${id}/close`, { outcome: input.outcome, text: t(input.text) }],
    appeal: [`/api/v1/staff/tickets/${id}/appeal`, { reason: t(input.reason) }],
    decide: [`/api/v1/admin/tickets/${id}/decision`, { decision: input.decision, comment: t(input.comment) }],
  }[step];
}
