// Audit log entries (GET /api/v1/admin/audit) as people read them: what was done, to what,
// and the details in sentences (a menu publish's diff, an item's changed fields).

import { CHANNEL_LABELS, STATUS_LABELS } from './forms.js';
import { FIELD_LABELS } from './errors.js';
import { describeDiff } from './menu.js';
import { reviewAuditLines } from './reviews.js';

export const ACTION_LABELS = {
  'menu.publish': '发布菜单', 'menu.rollback': '回滚菜单', 'menu.publish_rejected': '微信拒绝菜单',
  'item.create': '新建事项', 'item.update': '修改事项',
  'resident.merge': '合并居民账号', 'resident.merge_reverted': '撤销账号合并',
  'application.reveal': '查看办件敏感信息',
  'message_template.create': '登记消息模板', 'message_template.update': '修改消息模板',
  'message_template.delete': '删除消息模板', 'message_template.test_send': '试发送消息模板',
  'application.release': '释放他人认领的办件',
  'staff.create': '新建人员账号', 'staff.update': '修改人员账号', 'staff.disable': '停用人员账号',
  'staff.password_reset': '重置密码', 'staff.password_change': '修改本人密码', 'staff.login_failed': '登录失败',
  'report.export': '导出运营报表', 'audit.export': '导出操作日志',
  'review.submit': '提交审核', 'review.approve': '审核通过', 'review.reject': '驳回变更',
  'review.published': '审核后发布', 'review.failed': '审核后发布失败',
  'department.create': '新建部门', 'department.update': '修改部门', 'department.disable': '停用部门',
  'department.enable': '启用部门', 'team.create': '新建执法中队', 'team.update': '修改执法中队',
  'team.disable': '停用执法中队', 'team.enable': '启用执法中队',
  'ticket.callback': '差评回访', 'ticket.close': '办结整改', 'ticket.appeal': '差评申诉', 'ticket.appeal_decision': '裁定申诉',
};
export const ROLE_LABELS = {
  operator: '运营人员', admin: '管理员', processor: '办件审核员', inspector: '执法队员', supervisor: '执法督察',
  resident: '居民',
};

/** "menu:wechat" -> "微信菜单", "item:SB0001" -> "事项 SB0001". */
export function targetName(target, items = {}) {
  const [kind, id] = String(target).split(':');
  if (kind === 'menu') return `${CHANNEL_LABELS[id] || id}菜单`;
  if (kind === 'item') return items[id] ? `事项 ${id} ${items[id].name}` : `事项 ${id}`;
  if (kind === 'application') return `办件 ${id}`;
  if (kind === 'staff') return `账号 ${id}`;
  if (kind === 'department') return `部门 ${id}`;
  if (kind === 'team') return `执法中队 ${id}`;
  if (kind === 'ticket') return `办件 ${id} 的整改工单`;
  if (target === 'report:operations') return '运营报表';
  if (target === 'audit') return '操作日志';
  if (kind === 'message_template') {
    const [, channel, templateId] = String(target).split(':');
    return `${CHANNEL_LABELS[channel] || channel}消息模板 ${templateId}`;
  }
  return String(target);
}

/** Lines describing an entry's details. */
export function detailLines(entry, items = {}) {
  const d = entry.details || {};
  const lines = [];
  if (entry.action === 'menu.publish' || entry.action === 'menu.rollback') {
    lines.push(d.rollback_of ? `版本 ${d.version}（回滚到版本 ${d.rollback_of}）` : `版本 ${d.version}`);
    if (d.comment) lines.push(`说明：${d.comment}`);
    const diff = describeDiff(d.diff, { items });
    lines.push(...(diff.length ? diff : ['与上一版本相同']));
  } else if (entry.action === 'menu.publish_rejected') {
    lines.push(`版本 ${d.version} 未发布：${d.error || ''}`);
  } else if (entry.action === 'item.update' || entry.action === 'message_template.update') {
    lines.push(`版本 ${d.version}`);
    if (d.changed?.length) lines.push(`修改：${d.changed.map((k) => FIELD_LABELS[k] || k).join('、')}`);
  } else if (entry.action === 'message_template.test_send') {
    const outcome = { accepted: '平台已受理', delivered: '已送达' }[d.status] || `未送达：${d.reason || d.status}`;
    lines.push(`发给 ${d.to}（示例事件 ${d.event}）`, outcome);
  } else if (entry.action === 'application.reveal') {
    lines.push(`字段：${(d.fields || []).join('、')}`);
  } else if (entry.action === 'item.create') {
    lines.push(`状态：${STATUS_LABELS[d.status] || d.status}`);
  } else if (entry.action.startsWith('review.')) {
    lines.push(...reviewAuditLines(entry, items));
  } else {
    for (const [k, v] of Object.entries(d)) lines.push(`${k}：${typeof v === 'object' ? JSON.stringify(v) : v}`);
  }
  return lines;
}
