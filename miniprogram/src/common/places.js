// 城市/区县 and 最近使用: what this device keeps of the resident's choices. `storage` is uni's
// getStorageSync/setStorageSync pair, passed in so Node can test it; a broken value reads as none.
export const REGION_KEY = 'region';
export const RECENT_KEY = 'recent_items';
export const RECENT_MAX = 6;
const CODE = /^\d{6}$/;
export const CITY_WIDE = { code: '', name: '全市' };

function read(storage, key) {
  try {
    return storage.getStorageSync(key);
  } catch (e) {
    return '';
  }
}

function write(storage, key, value) {
  try {
    storage.setStorageSync(key, value);
  } catch (e) {
    // storage full or unavailable: the choice holds until the app closes
  }
}

export function readRegion(storage) {
  const value = read(storage, REGION_KEY);
  return typeof value === 'string' && CODE.test(value) ? value : '';
}

export function writeRegion(storage, code) {
  const value = CODE.test(code || '') ? code : '';
  write(storage, REGION_KEY, value);
  return value;
}

// The picker's rows: 全市 first, then the regions the server offers (GET /api/v1/regions).
export function regionChoices(regions) {
  return [CITY_WIDE, ...(regions || []).filter((r) => r && CODE.test(r.code))];
}

export function regionName(regions, code) {
  return (regionChoices(regions).find((r) => r.code === (code || '')) || CITY_WIDE).name;
}

// The query the menu and item lists take: nothing when city-wide (so the first load matches the
// 热门事项 preloaded by index.html).
export function regionQuery(code) {
  return CODE.test(code || '') ? { region: code } : {};
}

// h5: the region as a cookie too, so the page's server puts that region's menu in the first screen
// (handlers/h5_page.py reads `h5_region`); none for 全市.
export const REGION_COOKIE = 'h5_region';
export function regionCookie(code, secure = false) {
  const value = CODE.test(code || '') ? code : '';
  const age = value ? 365 * 24 * 3600 : 0;
  return `${REGION_COOKIE}=${value}; Path=/; Max-Age=${age}; SameSite=Lax${secure ? '; Secure' : ''}`;
}

export function readRecent(storage) {
  const value = read(storage, RECENT_KEY);
  if (!Array.isArray(value)) return [];
  return value.filter((i) => i && typeof i.code === 'string' && typeof i.name === 'string').slice(0, RECENT_MAX);
}

// An item opened: first in the list, once, the oldest dropped past RECENT_MAX.
export function rememberRecent(storage, item) {
  if (!item || !item.code || !item.name) return readRecent(storage);
  const list = [{ code: item.code, name: item.name }, ...readRecent(storage).filter((i) => i.code !== item.code)];
  const kept = list.slice(0, RECENT_MAX);
  write(storage, RECENT_KEY, kept);
  return kept;
}

export const favoritePath = (code) => `/api/v1/me/favorites/${encodeURIComponent(code)}`;
