// Bridges uni-app's APIs to the shared client's injected shapes (see README).
// Every function takes the `uni` object as an argument so node --test can pass a fake;
// nothing here touches globals or import.meta.

// uni.getSystemInfoSync().uniPlatform → API channel. H5 reports 'web' (older builds 'h5').
const PLATFORM_CHANNELS = Object.freeze({
  'mp-weixin': 'wechat',
  'mp-alipay': 'alipay',
  web: 'app',
  h5: 'app',
  app: 'app',
});

export function channelForPlatform(platform) {
  return PLATFORM_CHANNELS[platform] || 'app';
}

// request({ url, method, headers, data }) → Promise<{ status, headers, data }>;
// rejects only when uni.request's fail fires (no HTTP answer at all).
export function createUniRequest(uniApi, { timeout = 15000 } = {}) {
  return function request({ url, method, headers, data }) {
    return new Promise((resolve, reject) => {
      uniApi.request({
        url,
        method,
        header: headers,
        data,
        timeout,
        // Keep the body as text: the shared client parses it (and copes with non-JSON pages).
        dataType: 'text',
        responseType: 'text',
        success: (res) => resolve({ status: res.statusCode, headers: res.header || res.headers || {}, data: res.data }),
        fail: (err) => reject(Object.assign(new Error((err && err.errMsg) || 'request:fail'), { raw: err })),
      });
    });
  };
}

// uni storage round-trips objects. getStorageSync answers '' for a missing key: report null.
export function createUniStorage(uniApi) {
  return {
    get(key) {
      let value;
      try {
        value = uniApi.getStorageSync(key);
      } catch {
        return null;
      }
      return value === '' || value === undefined ? null : value;
    },
    set(key, value) {
      uniApi.setStorageSync(key, value);
    },
    remove(key) {
      uniApi.removeStorageSync(key);
    },
  };
}

// Mini-programs have no origin to be relative to; h5 served by the backend does.
export function resolveBaseUrl(configured, isMiniProgram) {
  if (configured) return String(configured).replace(/\/+$/, '');
  return isMiniProgram ? 'http://127.0.0.1:8000' : '';
}

// Promise form of uni.login: resolves the provider's code (weixin: code, alipay: authCode).
export function loginCode(uniApi, provider) {
  return new Promise((resolve, reject) => {
    uniApi.login({
      provider,
      success: (res) => {
        const code = res.code || res.authCode;
        if (code) resolve(code);
        else reject(new Error('未获取到授权码'));
      },
      fail: (err) => reject(Object.assign(new Error((err && err.errMsg) || 'login:fail'), { raw: err })),
    });
  });
}

// Promise form of uni.chooseImage / chooseFile / chooseMessageFile for one file: resolves
// { path, size, type, name, file } (file: the h5 File, for uni.uploadFile), or null when the
// resident cancelled.
export function chooseOne(choose, options = {}) {
  return new Promise((resolve, reject) => {
    choose({
      count: 1,
      ...options,
      success: (res) => {
        const files = res.tempFiles || [];
        const first = files[0] || {};
        const path = first.path || (res.tempFilePaths || [])[0];
        if (!path) {
          resolve(null);
          return;
        }
        const isFile = typeof File !== 'undefined' && first instanceof File;
        resolve({
          path,
          size: typeof first.size === 'number' ? first.size : undefined,
          type: first.type || '',
          name: first.name || '',
          file: isFile ? first : undefined,
        });
      },
      fail: (err) => {
        const message = (err && err.errMsg) || '';
        if (/cancel/i.test(message)) resolve(null);
        else reject(Object.assign(new Error('无法选择文件，请检查相册或相机权限'), { raw: err }));
      },
    });
  });
}

// The text of an input/textarea event: uni's components put it in event.detail.value, a plain
// DOM element (page tests) in event.target.value.
export function eventValue(event) {
  if (event && event.detail && event.detail.value !== undefined) return event.detail.value;
  return event && event.target ? event.target.value : '';
}
