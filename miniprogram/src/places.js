// This device's region and recently used items (common/places.js), and the resident's favourites
// (收藏, on the server), shared by 首页, 事项详情 and 我的.
import { ref } from 'vue';
import { api, loggedIn } from './api.js';
import { favoritePath, readRecent, readRegion, regionCookie, REGION_COOKIE, rememberRecent, writeRegion } from './common/places.js';

const store = {
  getStorageSync: (key) => uni.getStorageSync(key),
  setStorageSync: (key, value) => uni.setStorageSync(key, value),
};

const region = ref(typeof uni === 'undefined' ? '' : readRegion(store));
const recent = ref(typeof uni === 'undefined' ? [] : readRecent(store));
const favorites = ref([]); // item summaries, newest first

export function useRegion() {
  return region;
}

function keepCookie(code) {
  // #ifdef H5
  document.cookie = regionCookie(code, window.location.protocol === 'https:');
  // #endif
}

export function setRegion(code) {
  region.value = writeRegion(store, code);
  keepCookie(region.value);
  return region.value;
}

// #ifdef H5
if (region.value && !document.cookie.includes(`${REGION_COOKIE}=`)) keepCookie(region.value); // chosen before the cookie existed
// #endif

export function useRecent() {
  return recent;
}

export function noteRecent(item) {
  recent.value = rememberRecent(store, item);
}

export function useFavorites() {
  return favorites;
}

// Logged out there are none to show; a failure keeps what was shown.
export async function loadFavorites() {
  if (!loggedIn()) {
    favorites.value = [];
    return favorites.value;
  }
  const answer = await api.get('/api/v1/me/favorites');
  favorites.value = (answer && answer.items) || [];
  return favorites.value;
}

export async function setFavorite(item, on) {
  if (on) await api.put(favoritePath(item.code));
  else await api.del(favoritePath(item.code));
  const others = favorites.value.filter((f) => f.code !== item.code);
  favorites.value = on ? [item, ...others] : others;
}
