// Display helpers for pages. Pure functions, no platform APIs.

// Keeps the first 3 and last 4 digits; an already masked value comes back unchanged.
export function maskPhone(phone) {
  if (phone === undefined || phone === null) return '';
  const text = String(phone).trim();
  if (text.length < 7) return text;
  return `${text.slice(0, 3)}****${text.slice(-4)}`;
}

const BEIJING_OFFSET_MS = 8 * 60 * 60 * 1000;
const pad = (n) => String(n).padStart(2, '0');

// 'YYYY-MM-DD HH:mm' in Beijing time whatever the device's zone. A timestamp without an
// offset is read as UTC (what the server stores), never as device-local time.
export function formatDateTime(value) {
  if (value === undefined || value === null || value === '') return '';
  let ms;
  if (value instanceof Date) ms = value.getTime();
  else if (typeof value === 'number') ms = value;
  else {
    const text = String(value).trim();
    const hasTime = /T|\d \d/.test(text);
    const hasZone = /(Z|[+-]\d{2}:?\d{2})$/i.test(text);
    ms = Date.parse(hasTime && !hasZone ? `${text.replace(' ', 'T')}Z` : text);
  }
  if (Number.isNaN(ms)) return '';
  const d = new Date(ms + BEIJING_OFFSET_MS); // read back with getUTC* to stay zone-independent
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} `
    + `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

export const APPLICATION_STATE_LABELS = Object.freeze({
  submitted: '已提交',
  accepted: '已受理',
  refused: '不予受理',
  in_review: '审核中',
  supplement_required: '待补正',
  resubmitted: '已补正',
  approved: '已准予',
  denied: '不予批准',
  withdrawn: '已撤回',
  completed: '已办结',
});

// Unknown states (added server-side later) show raw rather than blank. No Object.hasOwn:
// older iOS mini-program engines lack it.
export function applicationStateLabel(state) {
  return Object.prototype.hasOwnProperty.call(APPLICATION_STATE_LABELS, state) ? APPLICATION_STATE_LABELS[state] : state;
}
