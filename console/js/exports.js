// Downloads and the filters behind them: the operations report (.xlsx), the audit log's query and
// export, and the staff login history in words. Pure: the views save the files.

export const REPORT_PATH = '/api/v1/reports/operations.xlsx';
export const AUDIT_EXPORTS = [{ format: 'xlsx', label: '导出 Excel' }, { format: 'csv', label: '导出 CSV' }];
export const LOGIN_OUTCOMES = { success: '登录成功', failed: '用户名或密码错误', locked: '尝试过多被拒绝' };
export const LOGIN_METHODS = { password: '用户名密码' };

/** The report's file name, as the server names it. */
export function reportName(from, to) {
  return `运营报表_${from}_${to}.xlsx`;
}

/** The audit log's query parameters from the page's filters (empty ones left out by the client). */
export function auditQuery(filters) {
  const item = (filters.item || '').trim().toUpperCase();
  const target = filters.target === 'item' ? (item ? `item:${item}` : '') : filters.target;
  return { target, action: filters.action, actor: (filters.actor || '').trim(), from: filters.from, to: filters.to };
}

/** A reason the audit filters cannot be asked for, or ''. */
export function auditRangeError(filters) {
  if (filters.from && filters.to && filters.from > filters.to) return '开始日期应不晚于结束日期';
  return '';
}

export function auditExportName(format, today) {
  return `操作日志_${today}.${format}`;
}

/** "Mozilla/5.0 (...) Chrome/120.0 Safari/537.36" -> "Chrome 120"; anything else as sent, shortened. */
export function browserName(userAgent) {
  const ua = String(userAgent || '');
  if (!ua) return '未知';
  for (const [name, pattern] of [['微信', /MicroMessenger\/([\d.]+)/], ['Edge', /Edg\/(\d+)/],
    ['Chrome', /(?:HeadlessChrome|Chrome|Chromium)\/(\d+)/], ['Firefox', /Firefox\/(\d+)/], ['Safari', /Version\/(\d+).*Safari/]]) {
    const m = ua.match(pattern);
    if (m) return `${name} ${m[1]}`;
  }
  return ua.length > 40 ? `${ua.slice(0, 40)}…` : ua;
}

/** Login records as table rows. */
export function loginRows(logins, when) {
  return logins.map((l) => ({
    ...l, when: when(l.at), result: LOGIN_OUTCOMES[l.outcome] || l.outcome, failed: l.outcome !== 'success',
    method_label: LOGIN_METHODS[l.method] || l.method, browser: browserName(l.user_agent),
  }));
}
