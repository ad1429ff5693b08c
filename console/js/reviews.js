// 审核发布 (four eyes on menus and items) and 部门与中队 in words. No DOM here.

import { CHANNEL_LABELS } from './forms.js';
import { dateTime } from './format.js';
import { describeDiff } from './menu.js';

export const STATE_LABELS = {
  pending: '待审核', scheduled: '已定时', publishing: '发布中', published: '已发布', rejected: '已驳回', failed: '发布失败',
};
export const KIND_LABELS = { menu: '菜单', item: '事项' };
export const UNIT_KIND_LABELS = { department: '部门', team: '执法中队' };

/** "支付宝菜单" or "事项 SB0001 社保卡申领". */
export function reviewTitle(review, items = {}) {
  if (review.kind === 'menu') return `${CHANNEL_LABELS[review.target] || review.target}菜单`;
  const name = review.body?.name || items[review.target]?.name;
  return `事项 ${review.target}${name ? ' ' + name : ''}`;
}

/** What the change does, in sentences. */
export function changeLines(review, items = {}) {
  if (review.kind === 'menu') {
    const lines = describeDiff(review.diff, { after: review.body, items });
    return lines.length ? lines : ['与提交时的已发布版本相同'];
  }
  const status = review.body?.status === 'published' ? '（发布后居民可见）' : '';
  return [review.base_version ? `修改事项，基于版本 ${review.base_version}${status}` : `新建事项${status}`];
}

/** Whether `staff` may approve or reject: a second operator, and only an open change. */
export function decision(review, staff) {
  if (!['pending', 'scheduled'].includes(review.state)) return { allowed: false, why: '' };
  if (staff && review.submitted_by === staff.username) {
    return { allowed: false, why: '这是您提交的变更，须由另一名运营人员审核' };
  }
  return { allowed: true, approve: review.state === 'pending', why: '' };
}

/** The review's state line: "已定时 · 2026-03-01 09:00 发布" etc. */
export function stateLine(review) {
  const label = STATE_LABELS[review.state] || review.state;
  if (review.state === 'scheduled') return `${label} · ${dateTime(review.publish_at)} 发布`;
  if (review.state === 'published') return `${label} · 版本 ${review.published_version}，${dateTime(review.published_at)}`;
  if (review.state === 'failed') return `${label}：${review.error?.message || ''}`;
  if (review.state === 'rejected') return `${label}：${review.review_comment || ''}`;
  return label;
}

/** An <input type="datetime-local"> value, read as Beijing time, as an ISO instant; '' -> null. */
export function beijingInstant(local) {
  if (!local) return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(local);
  if (!m) return null;
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:00+08:00`;
}

/** Why a scheduled time cannot be used ('' when it can). */
export function scheduleProblem(local, nowMs = Date.now()) {
  const at = beijingInstant(local);
  if (!at) return '请选择发布时间';
  if (Date.parse(at) <= nowMs) return '定时发布的时间须晚于现在';
  return '';
}

/** Audit lines of the review.* actions. */
export function reviewAuditLines(entry, items = {}) {
  const d = entry.details || {};
  const lines = [];
  if (entry.action === 'review.submit') {
    if (d.comment) lines.push(`说明：${d.comment}`);
    if (d.diff) lines.push(...describeDiff(d.diff, { items }));
  } else if (entry.action === 'review.approve') {
    lines.push(d.publish_at ? `定时于 ${dateTime(d.publish_at)} 发布` : '立即发布');
    if (d.comment) lines.push(`意见：${d.comment}`);
  } else if (entry.action === 'review.reject') {
    lines.push(`理由：${d.comment}`);
  } else if (entry.action === 'review.published') {
    lines.push(`版本 ${d.version}`);
  } else if (entry.action === 'review.failed') {
    lines.push(`未发布：${d.error?.message || ''}`);
  }
  return lines;
}

/** A unit row for the 部门与中队 page. */
export function unitRow(unit) {
  return { ...unit, statusText: unit.active ? '启用' : '已停用', staffText: `${unit.staff_count || 0} 人`,
    canDisable: unit.active && !unit.staff_count };
}

/** Problems of a new unit's form: {field: message}, as the server's rules (models/org.py). */
export function unitProblems(kind, { code, name }) {
  const out = {};
  const trimmed = String(code || '').trim();
  if (kind === 'department' && !/^[a-z][a-z0-9_]{1,19}$/.test(trimmed)) {
    out.code = '部门代码须为小写字母开头的 2 到 20 位字母、数字或下划线';
  }
  if (kind === 'team' && !/^[^\s/]{1,40}$/.test(trimmed)) out.code = '中队代码须为 1 到 40 个字符，不含空格和斜杠';
  if (!String(name || '').trim()) out.name = '请填写名称';
  return out;
}
