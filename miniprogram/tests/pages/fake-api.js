// The mocked src/api.js: a scripted API client (answers by method and path, every call recorded)
// and the platform pieces pages use. Behaviour lives in `state`, reset before each test.
import { vi } from 'vitest';
import { ApiError } from '../../src/common/http.js';

export const state = {};

export function resetState() {
  Object.assign(state, {
    channel: 'app',
    loggedIn: true,
    refreshToken: 'refresh-token-1', // what api.logout() revokes
    routes: [],
    calls: [],
    // platform behaviours a test may replace
    subscribe: (options) => options.fail && options.fail({ errMsg: 'requestSubscribeMessage:fail' }),
    photo: null, // what choosePhoto resolves
    upload: (file) => Promise.resolve({ id: `up-${file.path}`, filename: 'photo.jpg', content_type: 'image/jpeg' }),
    download: () => Promise.resolve('blob:result'),
    modalConfirm: true, // uni.showModal's answer
    stored: {}, // what pages keep in storage (tokens, the resident)
    // the mini-program's face check (api.js startFaceCheck); h5 has none
    face: () => Promise.resolve({ started: true, passed: true, result: null }),
  });
}
resetState();

// answer: a value, an ApiError / Error (rejected), or fn(call) returning either.
export function on(method, path, answer) {
  state.routes.unshift({ method, path, answer }); // the newest registration wins
}

export function apiError(status, code, message, details = null) {
  return new ApiError({ status, code, message, details });
}

function matches(route, method, path) {
  if (route.method !== method) return false;
  return route.path instanceof RegExp ? route.path.test(path) : route.path === path;
}

async function handle(method, path, options = {}) {
  const call = { method, path, body: options.body, query: options.query, options };
  state.calls.push(call);
  const route = state.routes.find((r) => matches(r, method, path));
  if (!route) throw apiError(404, 'test.unrouted', `未模拟的请求 ${method} ${path}`);
  const answer = typeof route.answer === 'function' ? await route.answer(call) : route.answer;
  if (answer instanceof Error) throw answer;
  return structuredClone(answer ?? null);
}

export function callsTo(method, path) {
  return state.calls.filter((c) => c.method === method && (path instanceof RegExp ? path.test(c.path) : c.path === path));
}

export const api = {
  get: vi.fn((path, options) => handle('GET', path, options)),
  post: vi.fn((path, body, options = {}) => handle('POST', path, { ...options, body })),
  put: vi.fn((path, body, options = {}) => handle('PUT', path, { ...options, body })),
  del: vi.fn((path, options) => handle('DELETE', path, options)),
  // Like common/http.js: the login ends here first, then the refresh token is revoked; never throws.
  logout: vi.fn(async () => {
    const refreshToken = state.refreshToken;
    state.loggedIn = false;
    state.refreshToken = null;
    if (!refreshToken) return;
    try {
      await handle('POST', '/api/v1/auth/logout', { body: { refresh_token: refreshToken }, auth: false });
    } catch {
      // the real client ignores it too
    }
  }),
};

export const uniApi = {
  requestSubscribeMessage: vi.fn((options) => state.subscribe(options)),
};

const faceCheck = vi.fn((client) => state.face(client));

export const fakeModule = {
  api,
  uniApi,
  get CHANNEL() {
    return state.channel;
  },
  get IS_MINI_PROGRAM() {
    return state.channel !== 'app';
  },
  API_BASE: '',
  storage: {
    get: (key) => (key in state.stored ? state.stored[key] : null),
    set: (key, value) => { state.stored[key] = value; },
    remove: (key) => { delete state.stored[key]; },
  },
  get startFaceCheck() {
    return state.channel === 'app' ? null : faceCheck;
  },
  goLogin: vi.fn(),
  loggedIn: () => state.loggedIn,
  resident: () => null,
  showError: vi.fn((error, fallback) => globalThis.uni.showToast({ title: (error && error.message) || fallback, icon: 'none' })),
  choosePhoto: vi.fn(() => Promise.resolve(state.photo)),
  chooseDocument: null,
  uploadFile: vi.fn((file) => state.upload(file)),
  downloadFile: vi.fn((path) => state.download(path)),
  openDownloaded: vi.fn(),
};
