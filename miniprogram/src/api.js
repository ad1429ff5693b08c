// The one API client of the app, built on the shared logic in common/.
import { createClient } from './common/http.js';
import { isLoggedIn, getResident, STORAGE_KEYS } from './common/session.js';
import { chooseOne, createUniRequest, createUniStorage, resolveBaseUrl } from './common/uni-adapter.js';
import { createDownloader, createUploader } from './common/upload.js';
import { runFaceCheck } from './common/link.js';
import { CONSENT_PAGE, isConsentError } from './common/privacy.js';

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
export const IS_MINI_PROGRAM = isMiniProgram;
export const API_BASE = resolveBaseUrl(import.meta.env.VITE_API_BASE, isMiniProgram);

// Name every uni API literally: uni-h5 tree-shakes the APIs it sees written as `uni.xxx`,
// so passing the bare `uni` object into the adapter leaves out uni.request on h5.
export const uniApi = {
  request: (options) => uni.request(options),
  getStorageSync: (key) => uni.getStorageSync(key),
  setStorageSync: (key, value) => uni.setStorageSync(key, value),
  removeStorageSync: (key) => uni.removeStorageSync(key),
  login: (options) => uni.login(options),
  uploadFile: (options) => uni.uploadFile(options),
  chooseImage: (options) => uni.chooseImage(options),
  downloadFile: (options) => uni.downloadFile(options),
  requestSubscribeMessage: null, // mini-programs only
  chooseDocument: null, // PDFs: h5 file picker, WeChat chat files; Alipay has neither
};
// #ifdef MP-WEIXIN || MP-ALIPAY
uniApi.requestSubscribeMessage = (options) => uni.requestSubscribeMessage(options);
// #endif
// #ifdef MP-WEIXIN
uniApi.chooseDocument = (options) => uni.chooseMessageFile({ ...options, type: 'file', extension: ['pdf'] });
// #endif
// #ifdef H5
uniApi.chooseDocument = (options) => uni.chooseFile({ ...options, extension: ['.pdf'] });
// #endif

export const storage = createUniStorage(uniApi);

// Face verification (人脸核身) for a link request, with POST /me/links/{id}/face's `client`: the
// mini-program's own platform API (WeChat wx.requestFacialVerify, Alipay my.startAPVerify); h5 has none.
let faceCheck = null;
// #ifdef MP-WEIXIN
faceCheck = (client) => runFaceCheck('wechat', client, typeof wx === 'undefined' ? null : wx);
// #endif
// #ifdef MP-ALIPAY
faceCheck = (client) => runFaceCheck('alipay', client, typeof my === 'undefined' ? null : my);
// #endif
export const startFaceCheck = faceCheck;

let goingToLogin = false;

export function goLogin() {
  if (goingToLogin) return;
  goingToLogin = true;
  uni.navigateTo({ url: '/pages/login/login', complete: () => { goingToLogin = false; } });
}

const client = createClient({
  baseUrl: API_BASE,
  request: createUniRequest(uniApi),
  storage,
  channel: CHANNEL,
  onLoginRequired: goLogin,
});

let goingToConsent = false;

// A 403 consent.required: a document changed (or was never agreed to) since this login began; the
// consent page asks, and the page that was refused shows the server's words meanwhile.
function goConsent() {
  if (goingToConsent) return;
  goingToConsent = true;
  uni.navigateTo({ url: CONSENT_PAGE, complete: () => { goingToConsent = false; } });
}

function askingConsent(method) {
  return async (...args) => {
    try {
      return await method(...args);
    } catch (error) {
      if (isConsentError(error)) goConsent();
      throw error;
    }
  };
}

export const api = {
  ...client,
  get: askingConsent(client.get),
  post: askingConsent(client.post),
  put: askingConsent(client.put),
  del: askingConsent(client.del),
};

// Any authenticated GET renews an expired access token (the client refreshes on its 401).
export const uploadFile = createUploader({
  baseUrl: API_BASE,
  uploadFile: uniApi.uploadFile,
  getToken: () => storage.get(STORAGE_KEYS.accessToken),
  renew: () => api.get('/api/v1/me'),
});

export const downloadFile = createDownloader({
  baseUrl: API_BASE,
  downloadFile: uniApi.downloadFile,
  getToken: () => storage.get(STORAGE_KEYS.accessToken),
  renew: () => api.get('/api/v1/me'),
});

// Show a downloaded file: h5 saves the blob through a download link (a window.open after the
// download's await would meet the popup blocker), mini-programs preview it.
export function openDownloaded(tempPath, contentType, filename) {
  // #ifdef H5
  const link = document.createElement('a');
  link.href = tempPath;
  link.download = filename || '';
  document.body.appendChild(link);
  link.click();
  link.remove();
  return;
  // #endif
  // #ifndef H5
  if (/^image\//.test(contentType || '')) uni.previewImage({ urls: [tempPath] });
  else uni.openDocument({ filePath: tempPath, fileType: 'pdf', showMenu: true });
  // #endif
}

export const choosePhoto = () => chooseOne(uniApi.chooseImage, { sizeType: ['compressed'], sourceType: ['camera', 'album'] });
export const chooseDocument = uniApi.chooseDocument ? () => chooseOne(uniApi.chooseDocument) : null;

export const loggedIn = () => isLoggedIn(storage);
export const resident = () => getResident(storage);

// A toast with the server's Chinese message (ApiError.message is already user-facing).
export function showError(error, fallback = '操作失败，请稍后再试') {
  uni.showToast({ title: (error && error.message) || fallback, icon: 'none', duration: 2500 });
}
