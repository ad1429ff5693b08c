// Pages of the console (hash routes, so the static file server needs no rewrites) and who may
// use it: operators and admins (the API lets admin through every role check), and processors,
// who see only their workbench.

import { ROLE_LABELS } from './audit.js';

export const ALLOWED_ROLES = ['operator', 'admin', 'processor'];
export const CHANNELS = ['wechat', 'alipay', 'app'];
export const TEMPLATE_CHANNELS = ['wechat', 'alipay']; // the mini-programs, whose messages use templates

export const NAV = [
  { name: 'dashboard', href: '#/dashboard', label: '数据看板' },
  { name: 'items', href: '#/items', label: '事项管理' },
  { name: 'menus', href: '#/menus/wechat', label: '菜单管理' },
  { name: 'reviews', href: '#/reviews', label: '审核发布' },
  { name: 'templates', href: '#/templates/wechat', label: '消息模板' },
  { name: 'reports', href: '#/reports', label: '运营报表' },
  { name: 'audit', href: '#/audit', label: '操作日志' },
  { name: 'desk', href: '#/desk', label: '办件工作台' },
  { name: 'tickets', href: '#/tickets', label: '差评整改' },
  { name: 'staff', href: '#/staff', label: '人员管理' },
  { name: 'logins', href: '#/logins', label: '登录记录' }, // admins: everyone's; others: their own
  { name: 'org', href: '#/org', label: '部门与中队' },
];
// The pages each role may open (admin: all).
const ROLE_PAGES = {
  operator: ['dashboard', 'items', 'menus', 'reviews', 'templates', 'reports', 'audit', 'tickets', 'logins'],
  processor: ['desk', 'tickets', 'logins'],
};

/** The nav entries `staff` may use. */
export function navFor(staff) {
  const role = staff?.role;
  return NAV.filter((n) => role === 'admin' || (ROLE_PAGES[role] || []).includes(n.name));
}

/** `route`, or the role's first page when the role may not open it. */
export function routeFor(route, staff) {
  const pages = navFor(staff).map((n) => n.name);
  if (pages.includes(navName(route))) return route;
  return pages[0] === 'desk' ? { name: 'desk' } : { name: 'dashboard' };
}

/** "#/items/SB0001" -> {name: "item", code: "SB0001"}; "#/templates/wechat/<id>" -> {name: "template",
 * channel, id}; anything unknown -> the dashboard. */
export function parseRoute(hash) {
  const parts = String(hash || '').replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const [page, arg] = parts;
  if (page === 'items' && arg === 'new') return { name: 'item', code: null };
  if (page === 'items' && arg) return { name: 'item', code: arg };
  if (page === 'items') return { name: 'items' };
  if (page === 'menus') return { name: 'menus', channel: CHANNELS.includes(arg) ? arg : CHANNELS[0] };
  if (page === 'templates') {
    const channel = TEMPLATE_CHANNELS.includes(arg) ? arg : TEMPLATE_CHANNELS[0];
    const id = parts[2];
    if (id === 'new') return { name: 'template', channel, id: null };
    if (id) return { name: 'template', channel, id };
    return { name: 'templates', channel };
  }
  if (page === 'audit') return { name: 'audit' };
  if (page === 'reports') return { name: 'reports' };
  if (page === 'logins') return { name: 'logins' };
  if (page === 'desk' && arg) return { name: 'application', number: arg };
  if (page === 'desk') return { name: 'desk' };
  if (page === 'staff') return { name: 'staff' };
  if (page === 'org') return { name: 'org' };
  if (page === 'reviews') return { name: 'reviews' };
  if (page === 'tickets' && arg) return { name: 'ticket', id: arg };
  if (page === 'tickets') return { name: 'tickets' };
  return { name: 'dashboard' };
}

/** The nav entry a route belongs to (an item editor belongs to 事项管理). */
export function navName(route) {
  return { item: 'items', template: 'templates', application: 'desk', ticket: 'tickets' }[route.name] || route.name;
}

export const roleName = (role) => ROLE_LABELS[role] || role || '未知';

export function allowed(staff) {
  return Boolean(staff && ALLOWED_ROLES.includes(staff.role));
}

/** The message for a staff member who may not use the console. */
export function refusal(staff) {
  return `当前账号（${roleName(staff?.role)}）无权使用运营管理台，请使用运营人员、办件审核员或管理员账号登录。`;
}
