// The app's API client, storage and device services: the resident client's shared logic
// (../../miniprogram/src/common) with the staff login's paths, plus the offline queue.
import { ApiError, buildUrl, createClient, uuidv4 } from '../../miniprogram/src/common/http.js';
import { STORAGE_KEYS, isLoggedIn, saveLogin } from '../../miniprogram/src/common/session.js';
import { createUniRequest, createUniStorage, resolveBaseUrl } from '../../miniprogram/src/common/uni-adapter.js';
import { HEARTBEAT_MS, heartbeatDue } from './lib/duty.js';
import { createFieldApi } from './lib/field-api.js';
import { createLive, wsUrl } from './lib/live.js';
import { createPasswordFlow } from './lib/password.js';
import { metres } from './lib/geo.js';
import { createQueue } from './lib/queue.js';
import { idbStore, uniStore } from './lib/stores.js';

let isMiniProgram = true;
// #ifdef H5
isMiniProgram = false;
// #endif

export const API_BASE = resolveBaseUrl(import.meta.env.VITE_API_BASE, isMiniProgram);

// uni-h5 tree-shakes the APIs it sees written as `uni.xxx`: name each one literally.
const uniApi = {
  request: (options) => uni.request(options),
  getStorageSync: (key) => uni.getStorageSync(key),
  setStorageSync: (key, value) => uni.setStorageSync(key, value),
  removeStorageSync: (key) => uni.removeStorageSync(key),
};

// uni storage is localStorage on h5: the login survives closing the page and restarting the phone.
export const storage = createUniStorage(uniApi);
const request = createUniRequest(uniApi);

let goingToLogin = false;
function goLogin() {
  if (goingToLogin) return;
  goingToLogin = true;
  uni.reLaunch({ url: '/pages/login/login', complete: () => { goingToLogin = false; } });
}

export const api = createClient({
  baseUrl: API_BASE, request, storage, onLoginRequired: goLogin,
  refreshPath: '/api/v1/auth/staff/refresh', logoutPath: '/api/v1/auth/staff/logout',
});

export async function login(username, password) {
  const answer = await api.post('/api/v1/auth/staff', { username, password }, { auth: false });
  if (!['inspector', 'supervisor'].includes(answer.staff && answer.staff.role)) {
    throw new ApiError({ status: 403, code: 'auth.forbidden', message: '执法通仅供执法队员和督察使用' });
  }
  saveLogin(storage, answer);
  storage.set('staff', answer.staff);
  passwordFlow.remember(answer);
  return answer.staff;
}

export async function logout() {
  lives.forEach((live) => live.stop());
  await api.logout();
  storage.remove('staff');
  passwordFlow.forget();
}

// A temporary password (set by an admin): until it is changed the token opens only
// /auth/staff/me and /auth/staff/password, so the app shows nothing but 修改初始密码.
export const passwordFlow = createPasswordFlow({ client: api, storage, saveLogin });
export const PASSWORD_PAGE = '/pages/password/password';
export const mustChangePassword = () => passwordFlow.required();
export const changePassword = (oldPassword, newPassword) => passwordFlow.change(oldPassword, newPassword);
let rechecked = null;
export function recheckPasswordOnce() { // once per app start: the stored login's /auth/staff/me
  if (!rechecked) rechecked = passwordFlow.recheck();
  return rechecked;
}

export const loggedIn = () => isLoggedIn(storage);
export const currentStaff = () => storage.get('staff');

async function errorOf(status, text) {
  let body = null;
  try { body = JSON.parse(text); } catch { /* not JSON */ }
  const error = body && body.error;
  return new ApiError({ status, code: (error && error.code) || `http.${status}`,
    message: (error && error.message) || '上传失败，请稍后再试', details: error && error.details });
}

// Photos and chunks as raw bytes (the JSON client only sends JSON); a 401 renews the token
// through the shared client, then the request goes once more.
async function sendBytesOnce(method, path, bytes, { query, type } = {}) {
  const url = buildUrl(API_BASE, path, query);
  const headers = { 'Content-Type': type || 'application/octet-stream', Accept: 'application/json' };
  const token = storage.get(STORAGE_KEYS.accessToken);
  if (token) headers.Authorization = `Bearer ${token}`;
  // #ifdef H5
  let response;
  try {
    response = await fetch(url, { method, headers, body: bytes });
  } catch (cause) {
    throw new ApiError({ status: 0, code: 'network', message: '网络异常，稍后自动重试', cause });
  }
  const text = await response.text();
  if (response.ok) return text ? JSON.parse(text) : null;
  throw await errorOf(response.status, text);
  // #endif
  // #ifndef H5
  const data = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  let answer;
  try {
    answer = await request({ url, method, headers, data });
  } catch (cause) {
    throw new ApiError({ status: 0, code: 'network', message: '网络异常，稍后自动重试', cause });
  }
  if (answer.status >= 200 && answer.status < 300) return answer.data ? JSON.parse(answer.data) : null;
  throw await errorOf(answer.status, answer.data);
  // #endif
}

async function sendBytes(method, path, bytes, options) {
  try {
    return await sendBytesOnce(method, path, bytes, options);
  } catch (error) {
    if (error.status !== 401) throw error;
    await api.get('/api/v1/auth/staff/me'); // refreshes the access token (or ends the login)
    return sendBytesOnce(method, path, bytes, options);
  }
}

export const fieldApi = createFieldApi({ client: api, sendBytes });

// The live socket's transport (lib/live.js). h5: the browser's WebSocket, authenticated by a first
// message (a browser cannot set the header, and a token in the URL would end up in logs); the
// mini-program: uni.connectSocket with the Authorization header.
function openSocket({ token, onFrame, onClose }) {
  let done = false;
  const closed = (code) => { if (!done) { done = true; onClose(code); } };
  // #ifdef H5
  const socket = new WebSocket(wsUrl(API_BASE, window.location.origin));
  socket.onopen = () => socket.send(JSON.stringify({ type: 'auth', token }));
  socket.onmessage = (event) => onFrame(event.data);
  socket.onclose = (event) => closed(event.code); // also after a failed connect (1006)
  return { send: (text) => socket.send(text), close: () => socket.close() };
  // #endif
  // #ifndef H5
  // complete: uni returns the SocketTask only when a callback is given
  const task = uni.connectSocket({ url: wsUrl(API_BASE), header: { Authorization: `Bearer ${token}` }, complete: () => {} });
  task.onMessage((res) => onFrame(res.data));
  task.onClose((res) => closed(res && res.code));
  task.onError(() => closed(1006));
  return { send: (data) => task.send({ data }), close: () => task.close({}) };
  // #endif
}

// A live connection for a page: start() while it is shown, stop() when hidden; logout stops all.
// On 4401 it renews the token through /auth/staff/me (the client refreshes an expired token).
const lives = new Set();
export function openLive({ onMessage, onState }) {
  const live = createLive({
    open: openSocket, onMessage, onState,
    token: () => storage.get(STORAGE_KEYS.accessToken),
    renew: () => api.get('/api/v1/auth/staff/me'),
  });
  return {
    start: () => { lives.add(live); live.start(); },
    stop: () => { lives.delete(live); live.stop(); },
  };
}

// A document's PDF: fetched with the login (h5: opened from a blob; the mini-program: opened with
// the system viewer from a downloaded file).
export async function openPdf(docId) {
  const path = `/api/v1/enforcement/documents/${docId}.pdf`;
  const get = () => {
    const token = storage.get(STORAGE_KEYS.accessToken);
    // #ifdef H5
    return fetch(buildUrl(API_BASE, path), { headers: { Authorization: `Bearer ${token}` } });
    // #endif
    // #ifndef H5
    return new Promise((resolve, reject) => uni.downloadFile({
      url: buildUrl(API_BASE, path), header: { Authorization: `Bearer ${token}` },
      success: (res) => resolve({ ok: res.statusCode === 200, status: res.statusCode, path: res.tempFilePath }), fail: reject,
    }));
    // #endif
  };
  let response = await get();
  if (response.status === 401) {
    await api.get('/api/v1/auth/staff/me'); // renews the token
    response = await get();
  }
  if (!response.ok) throw new ApiError({ status: response.status, code: `http.${response.status}`, message: '决定书打开失败' });
  // #ifdef H5
  window.open(URL.createObjectURL(await response.blob()), '_blank');
  // #endif
  // #ifndef H5
  uni.openDocument({ filePath: response.path, fileType: 'pdf' });
  // #endif
}

function deviceStore() {
  // #ifdef H5
  return idbStore();
  // #endif
  // #ifndef H5
  const fs = uni.getFileSystemManager();
  const root = `${wx.env.USER_DATA_PATH}/evidence`;
  try { fs.mkdirSync(root, true); } catch { /* exists */ }
  const path = (id) => `${root}/${id.replace(/[^0-9a-f-]/g, '_')}`;
  return uniStore(storage, {
    write: (id, data) => fs.writeFileSync(path(id), data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)),
    read: (id) => { try { return new Uint8Array(fs.readFileSync(path(id))); } catch { return null; } },
    remove: (id) => { try { fs.unlinkSync(path(id)); } catch { /* gone */ } },
  });
  // #endif
}

export function deviceId() {
  let id = storage.get('device_id');
  if (!id) {
    id = `field-${uuidv4()}`;
    storage.set('device_id', id);
  }
  return id;
}

const listeners = new Set();
export function onQueueChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export const queue = createQueue({
  store: deviceStore(), api: fieldApi, uuid: () => uuidv4(), deviceId: deviceId(),
  onChange: () => listeners.forEach((l) => l()),
});

// The position now: {lng, lat, accuracy} in WGS84 (metres of accuracy as the device reports them).
export function locate() {
  return new Promise((resolve, reject) => {
    // #ifdef H5
    if (!navigator.geolocation) { reject(new Error('此设备不支持定位')); return; }
    navigator.geolocation.getCurrentPosition(
      (p) => resolve({ lng: p.coords.longitude, lat: p.coords.latitude, accuracy: p.coords.accuracy }),
      () => reject(new Error('无法获取定位，请允许定位权限或手动填写地址')),
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 10000 },
    );
    // #endif
    // #ifndef H5
    uni.getLocation({
      type: 'wgs84', isHighAccuracy: true,
      success: (p) => resolve({ lng: p.longitude, lat: p.latitude, accuracy: p.accuracy }),
      fail: () => reject(new Error('无法获取定位，请允许定位权限或手动填写地址')),
    });
    // #endif
  });
}

// A photo from the camera (or the album): {bytes, type, path (the mini-program)}, or null when cancelled.
export function takePhoto() {
  return new Promise((resolve, reject) => {
    uni.chooseImage({
      count: 1, sizeType: ['original'], sourceType: ['camera', 'album'],
      success: async (res) => {
        try {
          const file = (res.tempFiles || [])[0];
          // #ifdef H5
          resolve({ bytes: new Uint8Array(await file.arrayBuffer()), type: file.type || 'image/jpeg' });
          // #endif
          // #ifndef H5
          const data = uni.getFileSystemManager().readFileSync(file.path || res.tempFilePaths[0]); // a path: for stamping
          const path = file.path || res.tempFilePaths[0];
          resolve({ bytes: new Uint8Array(data), type: /\.png$/i.test(path) ? 'image/png' : 'image/jpeg', path });
          // #endif
        } catch (error) {
          reject(error);
        }
      },
      fail: (err) => (/cancel/i.test((err && err.errMsg) || '') ? resolve(null) : reject(new Error('无法打开相机'))),
    });
  });
}

export function online() {
  return typeof navigator === 'undefined' || navigator.onLine !== false;
}

// Send the queue now and whenever the network returns, and every 20 s while the app is open.
let started = false;
export function startSync() {
  if (started) return;
  started = true;
  const kick = () => { if (loggedIn() && online()) queue.sync().catch(() => {}); };
  // #ifdef H5
  window.addEventListener('online', kick);
  // #endif
  // #ifndef H5
  uni.onNetworkStatusChange((res) => { if (res.isConnected) kick(); });
  // #endif
  setInterval(kick, 20000);
  kick();
}

export function toast(error, fallback = '操作失败') {
  uni.showToast({ title: (error && error.message) || fallback, icon: 'none', duration: 2500 });
}

// On duty (勤务): a position heartbeat every minute (sooner after moving 50 m) for as long as the
// app is open and the inspector is on duty; going off duty sends one last position.
const duty = { timer: null, last: 0, where: null, listeners: new Set() };
export const onDuty = () => Boolean(storage.get('on_duty'));
export const lastPosition = () => duty.where;
export function onPosition(listener) {
  duty.listeners.add(listener);
  return () => duty.listeners.delete(listener);
}

async function beat(force = false, on = true) {
  let where;
  try {
    where = await locate();
  } catch {
    return;
  }
  const moved = duty.where ? metres(duty.where, where) : null;
  duty.listeners.forEach((l) => l(where));
  if (!force && !heartbeatDue(duty.last, Date.now(), moved)) return;
  if (on && !onDuty()) return; // went off duty while locating: never report on duty after the last beat
  try {
    await fieldApi.position({ lng: where.lng, lat: where.lat, on_duty: on });
    duty.where = where;
    duty.last = Date.now();
  } catch { /* offline: the next beat tries again */ }
}

export function resumeDuty() {
  if (!onDuty() || duty.timer) return;
  duty.timer = setInterval(() => beat(), Math.min(15000, HEARTBEAT_MS));
  beat(true);
}

export async function setDuty(on) {
  storage.set('on_duty', on);
  if (on) {
    resumeDuty();
    return;
  }
  clearInterval(duty.timer);
  duty.timer = null;
  await beat(true, false);
}
