// The console's HTTP client: JSON in and out, the server's Chinese error messages as ApiError,
// staff tokens kept in sessionStorage, one refresh on a 401 and a replay of the request.
// fetch and storage are passed in, so this runs (and is tested) under node as well.

export const SESSION_KEY = 'govservice.console.session';
export const NETWORK_MESSAGE = '无法连接服务器，请检查网络后重试';
export const EXPIRED_MESSAGE = '登录已过期，请重新登录';

export class ApiError extends Error {
  constructor({ status, code, message, details = null, retryAfter = null }) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
    this.retryAfter = retryAfter; // seconds, from Retry-After (429 lockout)
  }
}

/** The server's {"error": {code, message, details}}, or a plain Chinese fallback. */
export async function errorFrom(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null; // an HTML page from a proxy, or nothing
  }
  const retry = Number.parseInt(response.headers.get('Retry-After') || '', 10);
  const retryAfter = Number.isFinite(retry) ? retry : null;
  const err = body && body.error;
  if (err && typeof err.message === 'string') {
    return new ApiError({ status: response.status, code: err.code, message: err.message,
      details: err.details ?? null, retryAfter });
  }
  return new ApiError({ status: response.status, code: `http.${response.status}`,
    message: `服务器返回了错误（HTTP ${response.status}）`, retryAfter });
}

export function withQuery(path, query) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query || {})) {
    if (value !== null && value !== undefined && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

export function createClient({ fetchFn, storage, base = '', onSessionEnd = () => {} }) {
  let refreshing = null; // one refresh in flight, shared: a refresh token works only once

  function session() {
    try {
      return JSON.parse(storage.getItem(SESSION_KEY) || 'null');
    } catch {
      return null;
    }
  }

  function store(answer) {
    const value = { access_token: answer.access_token, refresh_token: answer.refresh_token, staff: answer.staff };
    storage.setItem(SESSION_KEY, JSON.stringify(value));
    return value;
  }

  function clear() {
    storage.removeItem(SESSION_KEY);
  }

  function end(message) {
    clear();
    onSessionEnd(message);
  }

  async function send(method, path, { body, file, query, headers = {}, token } = {}) {
    const init = { method, headers: { Accept: 'application/json', ...headers } };
    if (file !== undefined) {
      init.body = file; // a File or Blob, sent as its bytes (uploads)
      if (file.type) init.headers['Content-Type'] = file.type;
    } else if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers['Content-Type'] = 'application/json';
    }
    if (token) init.headers.Authorization = `Bearer ${token}`;
    try {
      return await fetchFn(base + withQuery(path, query), init);
    } catch {
      throw new ApiError({ status: 0, code: 'network', message: NETWORK_MESSAGE });
    }
  }

  async function parse(response, as) {
    if (!response.ok) throw await errorFrom(response);
    if (as === 'blob') return { status: response.status, data: await response.blob(), etag: response.headers.get('ETag') };
    const text = response.status === 204 ? '' : await response.text();
    return { status: response.status, data: text ? JSON.parse(text) : null, etag: response.headers.get('ETag') };
  }

  async function refresh() {
    const current = session();
    if (!current || !current.refresh_token) throw new ApiError({ status: 401, code: 'auth.required', message: EXPIRED_MESSAGE });
    const response = await send('POST', '/api/v1/auth/staff/refresh', { body: { refresh_token: current.refresh_token } });
    if (!response.ok) throw await errorFrom(response);
    return store(await response.json());
  }

  function refreshOnce() {
    if (!refreshing) refreshing = refresh().finally(() => { refreshing = null; });
    return refreshing;
  }

  async function request(method, path, options = {}) {
    if (options.auth === false) return parse(await send(method, path, options), options.as);
    const used = session()?.access_token;
    if (!used) {
      end(EXPIRED_MESSAGE);
      throw new ApiError({ status: 401, code: 'auth.required', message: EXPIRED_MESSAGE });
    }
    let response = await send(method, path, { ...options, token: used });
    if (response.status !== 401) return parse(response, options.as);
    // Another request may have refreshed meanwhile: then only replay with the new token.
    let token = session()?.access_token;
    if (!token || token === used) {
      try {
        token = (await refreshOnce()).access_token;
      } catch (err) {
        if (err.status === 0) throw err; // offline: keep the session, the person can retry
        end(EXPIRED_MESSAGE);
        throw new ApiError({ status: 401, code: err.code, message: EXPIRED_MESSAGE });
      }
    }
    response = await send(method, path, { ...options, token });
    if (response.status === 401) {
      const err = await errorFrom(response);
      end(EXPIRED_MESSAGE);
      throw err;
    }
    return parse(response, options.as);
  }

  return {
    session,
    async login(username, password) {
      const { data } = await request('POST', '/api/v1/auth/staff', { body: { username, password }, auth: false });
      return store(data);
    },
    /** Change one's own password; the server ends the other sessions and answers a fresh pair. */
    async changePassword(oldPassword, newPassword) {
      const { data } = await request('POST', '/api/v1/auth/staff/password',
        { body: { old_password: oldPassword, new_password: newPassword } });
      return store(data);
    },
    /** Revoke the refresh token on the server (best effort) and forget the session here. */
    async logout() {
      const current = session();
      clear();
      if (current?.refresh_token) {
        try {
          await send('POST', '/api/v1/auth/staff/logout', { body: { refresh_token: current.refresh_token } });
        } catch {
          // offline: the token expires on its own
        }
      }
    },
    request,
    get: (path, options) => request('GET', path, options),
    post: (path, body, options = {}) => request('POST', path, { ...options, body }),
    put: (path, body, options = {}) => request('PUT', path, { ...options, body }),
    del: (path, options) => request('DELETE', path, options),
    /** A file's bytes as a Blob (materials shown in the viewer). */
    blob: (path, options = {}) => request('GET', path, { ...options, as: 'blob', headers: { Accept: '*/*' } }),
    /** Send a File as the request body (staff uploads). */
    upload: (path, file, options = {}) => request('POST', path, { ...options, file }),
  };
}
