// The one API client of the app, built on the shared logic in common/.
import { createClient } from './common/http.js';
import { isLoggedIn, getResident } from './common/session.js';
import { createUniRequest, createUniStorage, resolveBaseUrl } from './common/uni-adapter.js';

// Channel and mini-program-ness are fixed per build (uni's conditional compilation);
// h5 is the 'app' channel (phone + SMS login).
let channel = 'app';
let isMiniProgram = false;
// #ifdef MP-WEIXIN
channel = 'wechat';
isMiniProgram = true;
// #endif
// #ifdef MP-ALIPAY
channel = 'alipay';
isMiniProgram = true;
// #endif

export const CHANNEL = channel;
export const API_BASE = resolveBaseUrl(import.meta.env.VITE_API_BASE, isMiniProgram);

// Name every uni API literally: uni-h5 tree-shakes the APIs it sees written as `uni.xxx`,
// so passing the bare `uni` object into the adapter leaves out uni.request on h5.
export const uniApi = {
  request: (options) => uni.request(options),
  getStorageSync: (key) => uni.getStorageSync(key),
  setStorageSync: (key, value) => uni.setStorageSync(key, value),
  removeStorageSync: (key) => uni.removeStorageSync(key),
  login: (options) => uni.login(options),
};

export const storage = createUniStorage(uniApi);

let goingToLogin = false;

export function goLogin() {
  if (goingToLogin) return;
  goingToLogin = true;
  uni.navigateTo({ url: '/pages/login/login', complete: () => { goingToLogin = false; } });
}

export const api = createClient({
  baseUrl: API_BASE,
  request: createUniRequest(uniApi),
  storage,
  channel: CHANNEL,
  onLoginRequired: goLogin,
});

export const loggedIn = () => isLoggedIn(storage);
export const resident = () => getResident(storage);

// A toast with the server's Chinese message (ApiError.message is already user-facing).
export function showError(error, fallback = '操作失败，请稍后再试') {
  uni.showToast({ title: (error && error.message) || fallback, icon: 'none', duration: 2500 });
}
