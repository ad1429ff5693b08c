// API client shared by every channel. The transport and storage are injected so the same
// code runs on uni.request (mini-programs), fetch (h5) and fakes (node --test).
import { STORAGE_KEYS, saveLogin, clearLogin } from './session.js';

export const CHANNELS = Object.freeze(['wechat', 'alipay', 'app']);

const REFRESH_PATH = '/api/v1/auth/refresh';
const LOGOUT_PATH = '/api/v1/auth/logout';
const RETRY_DELAYS_MS = [200, 600]; // one entry per allowed retry
const MAX_RETRY_AFTER_S = 5; // a longer wait is the user's call, not a silent spinner
const RETRYABLE_STATUS = new Set([502, 503, 504]);
const REFRESHABLE_CODES = new Set(['auth.token_expired', 'auth.token_invalid']);
const LOGIN_GONE_STATUS = new Set([400, 401, 403]);

const NETWORK_MESSAGE = '网络异常，请检查网络后重试';

export class ApiError extends Error {
  constructor({ status, code, message, details = null, retryAfter = null, cause } = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
    this.retryAfter = retryAfter; // seconds, or null when the server gave none
    if (cause !== undefined) this.cause = cause; // set by hand: older engines ignore Error options
  }
}

// Random UUID v4. Mini-program runtimes may lack crypto.randomUUID; Math.random is enough
// for a de-duplication key that only has to be unique per resident.
export function uuidv4(cryptoImpl = globalThis.crypto) {
  if (cryptoImpl && typeof cryptoImpl.randomUUID === 'function') return cryptoImpl.randomUUID();
  return 'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx'.replace(/[xy]/g, (c) => {
    const r = (Math.random() * 16) | 0;
    return (c === 'x' ? r : (r & 0x3) | 0x8).toString(16);
  });
}

export function buildUrl(baseUrl, path, query) {
  const pairs = [];
  for (const [key, value] of Object.entries(query || {})) {
    if (value === undefined || value === null) continue;
    for (const item of Array.isArray(value) ? value : [value]) {
      pairs.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(item))}`);
    }
  }
  const url = String(baseUrl || '').replace(/\/+$/, '') + path;
  if (pairs.length === 0) return url;
  return url + (url.includes('?') ? '&' : '?') + pairs.join('&');
}

// Seconds to wait: the header is either delta-seconds or an HTTP date.
export function parseRetryAfter(value, now = Date.now()) {
  if (value === undefined || value === null || value === '') return null;
  const text = String(value).trim();
  if (/^\d+$/.test(text)) return Number(text);
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
}

// uni.request gives a plain object whose key case follows the server; fetch gives Headers.
function headerValue(headers, name) {
  if (!headers) return undefined;
  if (typeof headers.get === 'function') return headers.get(name) ?? undefined;
  const wanted = name.toLowerCase();
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() === wanted) return headers[key];
  }
  return undefined;
}

// Transports may or may not have parsed JSON already.
function parseBody(data) {
  if (typeof data !== 'string') return data ?? null;
  if (data.trim() === '') return null;
  try {
    return JSON.parse(data);
  } catch {
    return data;
  }
}

function fallbackMessage(status) {
  if (status === 401) return '登录已失效，请重新登录';
  if (status === 403) return '没有权限进行此操作';
  if (status === 404) return '请求的内容不存在';
  if (status === 429) return '请求过于频繁，请稍后再试';
  if (status >= 500) return '服务暂时不可用，请稍后再试';
  return '请求失败，请稍后再试';
}

function errorFromResponse({ status, headers, data }) {
  const retryAfter = parseRetryAfter(headerValue(headers, 'Retry-After'));
  const body = parseBody(data);
  const error = body && typeof body === 'object' ? body.error : null;
  if (error && typeof error.code === 'string') {
    return new ApiError({
      status,
      code: error.code,
      message: error.message || fallbackMessage(status),
      details: error.details ?? null,
      retryAfter,
    });
  }
  // Not our JSON (a proxy's HTML page, an empty body): still give the page a Chinese message.
  return new ApiError({ status, code: `http.${status}`, message: fallbackMessage(status), retryAfter });
}

function defaultSleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// refreshPath / logoutPath: the staff app (field/) shares this client with /api/v1/auth/staff/….
export function createClient({
  baseUrl, request, storage, channel, onLoginRequired, sleep = defaultSleep,
  refreshPath = REFRESH_PATH, logoutPath = LOGOUT_PATH,
} = {}) {
  if (typeof request !== 'function') throw new TypeError('createClient: request transport is required');
  if (!storage) throw new TypeError('createClient: storage is required');
  if (channel !== undefined && !CHANNELS.includes(channel)) {
    throw new TypeError(`createClient: channel must be one of ${CHANNELS.join(', ')}`);
  }

  let refreshing = null; // the one refresh in flight, shared by every 401 that waits on it

  async function sendOnce(call) {
    const headers = { Accept: 'application/json', ...call.headers };
    const token = call.auth ? storage.get(STORAGE_KEYS.accessToken) : null;
    call.usedToken = token || null;
    if (token) headers.Authorization = `Bearer ${token}`;
    if (call.body !== undefined) headers['Content-Type'] = 'application/json';
    if (call.idempotencyKey) headers['Idempotency-Key'] = call.idempotencyKey;

    let response;
    try {
      response = await request({
        url: call.url,
        method: call.method,
        headers,
        data: call.body === undefined ? undefined : JSON.stringify(call.body),
      });
    } catch (cause) {
      throw new ApiError({ status: 0, code: 'network', message: NETWORK_MESSAGE, cause });
    }
    if (response.status >= 200 && response.status < 300) return parseBody(response.data);
    throw errorFromResponse(response);
  }

  // Milliseconds before the next try, or null when this error must reach the caller.
  function retryDelay(call, error, retriesDone) {
    if (!call.retryable || retriesDone >= RETRY_DELAYS_MS.length) return null;
    if (error.status !== 0 && !RETRYABLE_STATUS.has(error.status)) return null;
    if (error.retryAfter === null) return RETRY_DELAYS_MS[retriesDone];
    return error.retryAfter <= MAX_RETRY_AFTER_S ? error.retryAfter * 1000 : null;
  }

  async function sendWithRetries(call) {
    for (let retriesDone = 0; ; retriesDone += 1) {
      try {
        return await sendOnce(call);
      } catch (error) {
        const wait = retryDelay(call, error, retriesDone);
        if (wait === null) throw error;
        await sleep(wait);
      }
    }
  }

  function endLogin() {
    clearLogin(storage);
    if (typeof onLoginRequired !== 'function') return;
    try {
      const result = onLoginRequired();
      if (result && typeof result.catch === 'function') result.catch(() => {});
    } catch {
      // A failing navigation hook must not hide the API error from the page.
    }
  }

  class LoginGone extends Error {}

  async function refreshTokens() {
    const refreshToken = storage.get(STORAGE_KEYS.refreshToken);
    if (!refreshToken) {
      endLogin();
      throw new LoginGone();
    }
    let answer;
    try {
      // Never retried: refresh tokens rotate, and replaying a spent one revokes the whole login.
      answer = await sendOnce({
        method: 'POST',
        url: buildUrl(baseUrl, refreshPath),
        body: { refresh_token: refreshToken },
        auth: false,
      });
    } catch (error) {
      if (!LOGIN_GONE_STATUS.has(error.status)) throw error; // offline or busy: keep the login
      endLogin();
      throw new LoginGone();
    }
    saveLogin(storage, answer);
  }

  async function renewToken(call, originalError) {
    const current = storage.get(STORAGE_KEYS.accessToken);
    if (!current) throw originalError; // the login already ended elsewhere (logout, failed refresh)
    if (current !== call.usedToken) return; // another call refreshed while this one was in flight
    if (!refreshing) refreshing = refreshTokens().finally(() => { refreshing = null; });
    try {
      await refreshing;
    } catch (error) {
      throw error instanceof LoginGone ? originalError : error;
    }
  }

  async function send(method, path, { query, body, idempotent = false, headers, auth = true } = {}) {
    const call = {
      method,
      url: buildUrl(baseUrl, path, query),
      body,
      headers,
      auth,
      // One key per logical call, reused by every retry and the post-refresh replay. A page may
      // pass its own key (a string) to keep it across the resident's own retries too.
      idempotencyKey: idempotent ? (typeof idempotent === 'string' ? idempotent : uuidv4()) : null,
      usedToken: null,
    };
    call.retryable = method === 'GET' || Boolean(call.idempotencyKey);
    try {
      return await sendWithRetries(call);
    } catch (error) {
      const refreshable = error.status === 401 && call.usedToken && REFRESHABLE_CODES.has(error.code);
      if (!refreshable) throw error;
      await renewToken(call, error);
      // Safe for any method: a 401 means the server did nothing. Replayed once, never looped.
      return sendWithRetries(call);
    }
  }

  return {
    channel,
    get: (path, options = {}) => send('GET', path, options),
    post: (path, body, options = {}) => send('POST', path, { ...options, body }),
    put: (path, body, options = {}) => send('PUT', path, { ...options, body, idempotent: false }),
    del: (path, options = {}) => send('DELETE', path, { ...options, idempotent: false }),

    // payload per channel: wechat {code}, alipay {auth_code}, app {phone, otp}.
    async login(payload) {
      if (!channel) throw new TypeError('login: the client was created without a channel');
      const answer = await send('POST', `/api/v1/auth/${channel}`, { body: payload, auth: false });
      saveLogin(storage, answer);
      return answer;
    },

    // Local logout always happens; a failed server call only leaves a token nobody here holds.
    async logout() {
      const refreshToken = storage.get(STORAGE_KEYS.refreshToken);
      clearLogin(storage);
      if (!refreshToken) return;
      try {
        await send('POST', logoutPath, { body: { refresh_token: refreshToken }, auth: false });
      } catch {
        // Nothing the resident can do about it; the token expires on its own.
      }
    },
  };
}
