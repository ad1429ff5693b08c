// The stamp drawn onto each evidence photo before its SHA-256 is taken: when (Beijing time), where
// (GPS and its accuracy), who (name, 执法证号) and which case. Pure logic here (text lines, band
// layout); the drawing is ../stamp-image.js.

const BEIJING_MS = 8 * 3600 * 1000; // UTC+8 all year: China has no daylight saving time

const pad = (n) => String(n).padStart(2, '0');

// 'YYYY-MM-DD HH:mm:ss' in Beijing time, whatever the phone's own time zone.
export function beijingTime(at) {
  const d = new Date(new Date(at).getTime() + BEIJING_MS);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} `
    + `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

function hasFix(where) {
  return Boolean(where) && Number.isFinite(where.lat) && Number.isFinite(where.lng);
}

// The lines, top to bottom. where: {lat, lng, accuracy} or null; staff: {display_name, username,
// badge_no}; record: the queue's case ({id, server: {number}}).
export function stampLines({ at, where, staff, record }) {
  const place = hasFix(where)
    ? `纬度 ${where.lat.toFixed(6)}  经度 ${where.lng.toFixed(6)}`
      + (Number.isFinite(where.accuracy) ? `  精度 ±${Math.round(where.accuracy)} 米` : '  精度未知')
    : '位置 无定位';
  const name = (staff && (staff.display_name || staff.username)) || '未知人员';
  const badge = staff && staff.badge_no ? `  执法证号 ${staff.badge_no}` : '  执法证号 无';
  const number = record && record.server && record.server.number;
  return [
    `时间 ${beijingTime(at)}（北京时间）`,
    place,
    `执法人员 ${name}${badge}`,
    number ? `案号 ${number}` : `本机案件编号 ${record ? record.id : ''}`,
  ];
}

// A line's width in em without a canvas: CJK and full-width characters are 1 em, the rest about
// 0.6 em (what a canvas measures in a sans-serif font, slightly over, so text never overflows).
export function estimateEm(line) {
  let em = 0;
  for (const ch of line) em += ch.codePointAt(0) > 0x2e7f ? 1 : 0.6;
  return em;
}

// Font size, line height, padding and the band's top for a width × height image: the font scales
// with the width (1/36 of it, at least 12 px) and shrinks until the widest line fits and the band
// covers at most 40 % of the height. measure(line) → em (a canvas measurement, or the estimate).
export function stampLayout(width, height, lines, measure = estimateEm) {
  const widest = Math.max(...lines.map(measure), 1);
  const lineFactor = 1.35;
  const padFactor = 0.6; // padding in em
  let font = Math.max(12, Math.round(width / 36));
  const fitsWidth = Math.floor((width * 0.96) / (widest + 2 * padFactor));
  const fitsHeight = Math.floor((height * 0.4) / (lines.length * lineFactor + 2 * padFactor));
  font = Math.max(6, Math.min(font, fitsWidth, fitsHeight));
  const lineHeight = Math.round(font * lineFactor);
  const padding = Math.round(font * padFactor);
  const band = lines.length * lineHeight + 2 * padding;
  return { font, lineHeight, padding, band, top: height - band };
}

// JPEG is what cameras give and what the server takes; quality high enough to keep the detail.
export const STAMPED_TYPE = 'image/jpeg';
export const STAMPED_QUALITY = 0.92;
export const BAND_COLOUR = 'rgba(0, 0, 0, 0.62)';
