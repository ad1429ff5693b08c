// Display formatting. Times are shown in Beijing time whatever the browser's zone;
// China has had no daylight saving since 1991, so a fixed +08:00 offset is exact.

const BEIJING_OFFSET_MS = 8 * 3600 * 1000;
const DAY_MS = 24 * 3600 * 1000;
export const EMPTY = '—';

const pad = (n) => String(n).padStart(2, '0');

function beijingParts(ms) {
  const d = new Date(ms + BEIJING_OFFSET_MS);
  return {
    date: `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`,
    time: `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`,
  };
}

/** "2026-03-01 09:05" for an ISO timestamp (any offset); "—" for nothing. */
export function dateTime(iso) {
  if (!iso) return EMPTY;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return String(iso);
  const p = beijingParts(ms);
  return `${p.date} ${p.time}`;
}

/** The Beijing calendar day (YYYY-MM-DD) of an instant, by default now. */
export function beijingToday(nowMs = Date.now()) {
  return beijingParts(nowMs).date;
}

/** YYYY-MM-DD plus n days (calendar arithmetic, no time zone involved). */
export function addDays(date, n) {
  const ms = Date.parse(`${date}T00:00:00Z`) + n * DAY_MS;
  return new Date(ms).toISOString().slice(0, 10);
}

/** Days from a to b (b - a) for YYYY-MM-DD strings. */
export function daysBetween(a, b) {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / DAY_MS);
}

/** Every day from first to last inclusive. */
export function daySeries(first, last) {
  const out = [];
  for (let d = first; d <= last; d = addDays(d, 1)) out.push(d);
  return out;
}

/** The instant a Beijing day starts, as ISO with its offset (for date-time query parameters). */
export function beijingDayStart(date) {
  return `${date}T00:00:00+08:00`;
}

/** 0.8734 -> "87.3%"; null/undefined -> "—" (no data is not 0 %). */
export function percent(rate, digits = 1) {
  if (rate === null || rate === undefined || Number.isNaN(rate)) return EMPTY;
  return `${(rate * 100).toFixed(digits)}%`;
}

export function number(n) {
  if (n === null || n === undefined) return EMPTY;
  return Number(n).toLocaleString('zh-CN');
}

/** A score like 4.5 with fixed decimals; null -> "—". */
export function decimal(n, digits = 2) {
  if (n === null || n === undefined) return EMPTY;
  return Number(n).toFixed(digits);
}

/** 分 (integer) to a 元 string: 1250 -> "12.50". */
export function yuan(fen) {
  if (fen === null || fen === undefined) return EMPTY;
  return (fen / 100).toFixed(2);
}

/** A 元 amount typed by a person to integer 分; null when it is not a number. */
export function toFen(text) {
  const s = String(text ?? '').trim();
  if (s === '') return 0;
  if (!/^\d+(\.\d{1,2})?$/.test(s)) return null;
  return Math.round(Number(s) * 100);
}

/** The length WeChat counts for menu names and keys: UTF-8 bytes (a Chinese character is 3). */
export function utf8Bytes(text) {
  return new TextEncoder().encode(String(text ?? '')).length;
}

/** "a, b，c" -> ["a", "b", "c"] (both commas, blanks dropped). */
export function splitList(text) {
  return String(text ?? '').split(/[,，\s]+/).map((s) => s.trim()).filter(Boolean);
}

/** A wait in seconds as people read it: 899 -> "14 分 59 秒", 45 -> "45 秒". */
export function countdown(seconds) {
  const s = Math.max(0, Math.ceil(seconds));
  const m = Math.floor(s / 60);
  return m ? `${m} 分 ${s % 60} 秒` : `${s} 秒`;
}
