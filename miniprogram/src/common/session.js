// Login state kept in the injected key-value storage (uni storage later, a Map in tests).
// The storage wrapper must round-trip objects (uni.setStorageSync does; a localStorage
// wrapper would JSON-encode).

export const STORAGE_KEYS = Object.freeze({
  accessToken: 'access_token',
  refreshToken: 'refresh_token',
  resident: 'resident',
});

// loginAnswer: the body of POST /api/v1/auth/{wechat|alipay|app} or /api/v1/auth/refresh.
export function saveLogin(storage, loginAnswer) {
  if (!loginAnswer || !loginAnswer.access_token || !loginAnswer.refresh_token) {
    throw new TypeError('saveLogin: answer must carry access_token and refresh_token');
  }
  storage.set(STORAGE_KEYS.accessToken, loginAnswer.access_token);
  storage.set(STORAGE_KEYS.refreshToken, loginAnswer.refresh_token);
  // The refresh answer carries the resident too; keep the newest copy (e.g. realname status).
  if (loginAnswer.resident) storage.set(STORAGE_KEYS.resident, loginAnswer.resident);
}

export function clearLogin(storage) {
  storage.remove(STORAGE_KEYS.accessToken);
  storage.remove(STORAGE_KEYS.refreshToken);
  storage.remove(STORAGE_KEYS.resident);
}

// Presence only: an expired access token still counts, the client refreshes it on 401.
export function isLoggedIn(storage) {
  return Boolean(storage.get(STORAGE_KEYS.accessToken));
}

export function getResident(storage) {
  return storage.get(STORAGE_KEYS.resident) ?? null;
}
