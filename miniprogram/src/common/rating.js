// 好差评 as the national standard has it (models/ratings.py): five levels; 不满意 and 非常不满意 need
// reasons from a list and the resident's own words, and each opens a rectification ticket
// (models/tickets.py) whose answer the resident reads and says whether it solved the problem.
import { formatDateTime } from './format.js';

// The server's levels and reasons (GET /api/v1/ratings/choices); used until that answers, or if it fails.
export const LEVELS = Object.freeze([
  { key: 'very_satisfied', label: '非常满意' },
  { key: 'satisfied', label: '满意' },
  { key: 'basically_satisfied', label: '基本满意' },
  { key: 'dissatisfied', label: '不满意' },
  { key: 'very_dissatisfied', label: '非常不满意' },
]);
export const REASONS = Object.freeze([
  { key: 'slow', label: '办理时间长' }, { key: 'attitude', label: '服务态度差' }, { key: 'many_trips', label: '多次跑腿' },
  { key: 'unclear', label: '告知不清楚' }, { key: 'extra_materials', label: '要求额外材料' },
  { key: 'system', label: '系统操作不便' }, { key: 'result', label: '对办理结果不满意' }, { key: 'other', label: '其他' },
]);
export const BAD_LEVELS = Object.freeze(['dissatisfied', 'very_dissatisfied']);
const BY_SCORE = { 5: 'very_satisfied', 4: 'satisfied', 3: 'basically_satisfied', 2: 'dissatisfied', 1: 'very_dissatisfied' };

const pairs = (dict) => Object.entries(dict || {}).map(([key, label]) => ({ key, label: String(label) }));

// {levels: {key: label}, reasons: {key: label}} → ordered lists; the fallbacks when missing.
export function choicesView(choices) {
  const levels = pairs(choices && choices.levels);
  const reasons = pairs(choices && choices.reasons);
  return { levels: levels.length ? levels : [...LEVELS], reasons: reasons.length ? reasons : [...REASONS] };
}

export function needsReason(level) {
  return BAD_LEVELS.includes(level);
}

// What the form still lacks, in the server's field names; {} when it may be sent.
export function checkRating({ level, reasons = [], comment = '' }) {
  const errors = {};
  if (!level) {
    errors.level = '请选择评价等级';
    return errors;
  }
  if (needsReason(level)) {
    if (!reasons.length) errors.reasons = '请选择不满意的原因（可多选）';
    if (!String(comment).trim()) errors.comment = '请写明不满意的具体情况';
  }
  return errors;
}

// The POST body: reasons only where the level takes them.
export function ratingBody({ level, reasons = [], comment = '' }) {
  const body = { level, comment: String(comment).trim() };
  if (needsReason(level)) body.reasons = [...reasons];
  return body;
}

// A 422's details ({field: [messages]}) as one message per field.
export function ratingErrors(details) {
  const errors = {};
  for (const [key, messages] of Object.entries(details || {})) {
    const field = key.split(/[.[]/)[0];
    const text = [].concat(messages).map((m) => (typeof m === 'string' ? m : Object.values(m || {}).flat().join('；'))).join('；');
    errors[field] = errors[field] ? `${errors[field]}；${text}` : text;
  }
  return errors;
}

export function levelOf(rating) {
  if (!rating) return '';
  return rating.level || BY_SCORE[rating.score] || '';
}

export function levelLabel(level, levels = LEVELS) {
  const found = levels.find((l) => l.key === level);
  return found ? found.label : '';
}

// The rating as given, for 我的评价.
export function ratedView(rating, choices = { levels: LEVELS, reasons: REASONS }) {
  const level = levelOf(rating);
  const reasons = (rating.reasons || []).map((r) => levelLabel(r, choices.reasons) || r);
  return { level, label: levelLabel(level, choices.levels), reasons, comment: rating.comment || '', bad: needsReason(level) };
}

export const OUTCOMES = Object.freeze({ rectified: '已整改', explained: '作出说明' });

// Where the ticket stands, in words the resident reads.
export function ticketStateLabel(ticket) {
  if (!ticket) return '';
  if (ticket.state === 'closed') return ticket.verdict && ticket.verdict.solved ? '已解决' : '部门已答复，请您确认';
  if (ticket.state === 'appealed') return '复核中';
  if (ticket.state === 'voided') return '经复核，本次评价不计入';
  return ticket.verdict && ticket.verdict.solved === false ? '您反馈未解决，部门重新整改中' : '整改中';
}

export function ticketView(ticket) {
  if (!ticket) return { state: '', stateLabel: '', due: '—', callbacks: [], answer: null, canVerdict: false, verdict: null };
  const callbacks = (ticket.callbacks || []).map((c) => ({ time: formatDateTime(c.called_at) || '—', result: c.result || '' }));
  const r = ticket.resolution;
  const answer = r
    ? { outcome: OUTCOMES[r.outcome] || '', text: r.text || '', time: formatDateTime(r.at) || '' }
    : null;
  const v = ticket.verdict;
  return {
    state: ticket.state,
    stateLabel: ticketStateLabel(ticket),
    due: ticket.due_date ? `${ticket.due_date}${ticket.due_provisional ? '（暂定）' : ''}` : '—',
    callbacks,
    answer,
    canVerdict: ticket.state === 'closed' && !v,
    verdict: v ? { solved: Boolean(v.solved), label: v.solved ? '您已确认：已解决' : '您已反馈：未解决', comment: v.comment || '' } : null,
  };
}
