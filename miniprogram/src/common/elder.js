// 长辈版 (MIIT 2021 app 适老化): whether this device shows the large-print mode. Kept per device in
// uni storage under ELDER_KEY; `storage` is uni's getStorageSync/setStorageSync pair, passed in so
// Node can test it. Nothing stored: the system's font size decides (`LARGE_SYSTEM_FONT`).
export const ELDER_KEY = 'elder_mode';

// WeChat's own font size (我 › 设置 › 通用 › 字体大小, `fontSizeSetting` in px; 17 is 标准): a resident who
// enlarged it there gets 长辈版 until they choose on this device.
export const LARGE_SYSTEM_FONT = 18;

export function readElder(storage, systemFontSize = 0) {
  let stored;
  try {
    stored = storage.getStorageSync(ELDER_KEY);
  } catch (e) {
    stored = '';
  }
  if (stored === true || stored === false) return stored;
  return Number(systemFontSize) >= LARGE_SYSTEM_FONT;
}

export function writeElder(storage, on) {
  try {
    storage.setStorageSync(ELDER_KEY, Boolean(on));
  } catch (e) {
    // storage full or unavailable: the mode still applies until the app closes
  }
  return Boolean(on);
}

// The simplified home of 长辈版: the first `limit` item entries of the menu, in menu order,
// without duplicates (the most used services are first in each section).
export function elderShortcuts(sections, limit = 6) {
  const out = [];
  const seen = new Set();
  for (const section of sections || []) {
    for (const entry of section.entries || []) {
      const key = entry.item_code || entry.url || entry.path || entry.title;
      if (entry.type !== 'item' || seen.has(key)) continue;
      seen.add(key);
      out.push(entry);
      if (out.length >= limit) return out;
    }
  }
  return out;
}

// "3 条未读" for the tab bar badge's label; the badge shows 99+ past 99.
export function unreadBadge(count) {
  const n = Number(count) || 0;
  if (n <= 0) return { text: '', label: '' };
  return { text: n > 99 ? '99+' : String(n), label: `${n} 条未读` };
}

// 承诺时限 in words: 0 working days is 即办 (done on the spot), not "承诺 0 个工作日".
export function promiseLabel(days) {
  if (days === undefined || days === null || days === '') return '';
  return Number(days) === 0 ? '即办' : `承诺 ${days} 个工作日`;
}
