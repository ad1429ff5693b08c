// Uploads (POST /api/v1/uploads, multipart field `file`) through an injected uni.uploadFile,
// with the server's Chinese errors and one token renewal, like the JSON client. Pure: node-tested.
import { ApiError, buildUrl } from './http.js';

export const UPLOAD_PATH = '/api/v1/uploads';
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024; // models/uploads.py MAX_BYTES
const TYPES = ['image/jpeg', 'image/png', 'application/pdf'];
const EXTENSIONS = /\.(jpe?g|png|pdf)$/i;
export const TYPE_MESSAGE = '只支持 JPG、PNG 图片和 PDF 文件';
export const SIZE_MESSAGE = '文件不能超过 10 MB';
const NETWORK_MESSAGE = '网络异常，文件上传失败，请重试';
const REFRESHABLE = new Set(['auth.token_expired', 'auth.token_invalid']);

// A chosen file the server would refuse, caught before sending it: '' when it may go.
// Types and names are hints only (blob: paths on h5 have no extension); the server sniffs bytes.
export function localFileError({ size, type, name } = {}) {
  if (typeof size === 'number' && size > MAX_UPLOAD_BYTES) return SIZE_MESSAGE;
  if (type && !TYPES.includes(type)) return TYPE_MESSAGE;
  if (!type && name && /\.[a-z0-9]{2,5}$/i.test(name) && !EXTENSIONS.test(name)) return TYPE_MESSAGE;
  return '';
}

function parse(data) {
  if (typeof data !== 'string') return data ?? null;
  try {
    return JSON.parse(data);
  } catch {
    return null;
  }
}

function fallback(status) {
  if (status === 413) return SIZE_MESSAGE;
  if (status === 415) return TYPE_MESSAGE;
  if (status === 401) return '登录已失效，请重新登录';
  if (status >= 500) return '服务暂时不可用，请稍后再试';
  return '文件上传失败，请重试';
}

export function uploadError(status, data) {
  const body = parse(data);
  const error = body && body.error;
  if (error && error.code) {
    return new ApiError({ status, code: error.code, message: error.message || fallback(status), details: error.details ?? null });
  }
  return new ApiError({ status, code: `http.${status}`, message: fallback(status) });
}

// uploadFile: uni.uploadFile's shape; getToken(): the access token; renew(): refreshes the login
// (any authenticated GET through the JSON client does, on its 401).
export function createUploader({ baseUrl, uploadFile, getToken, renew }) {
  function once(file) {
    return new Promise((resolve, reject) => {
      const token = getToken();
      uploadFile({
        url: buildUrl(baseUrl, UPLOAD_PATH),
        filePath: file.path,
        ...(file.file ? { file: file.file } : {}),
        name: 'file',
        header: token ? { Authorization: `Bearer ${token}` } : {},
        success: (res) => resolve({ status: res.statusCode, data: res.data, token }),
        fail: (err) => reject(new ApiError({ status: 0, code: 'network', message: NETWORK_MESSAGE, cause: err })),
      });
    });
  }

  // file: { path, size?, type?, name?, file? (h5 File) } -> the upload ({id, filename, ...}).
  return async function upload(file) {
    const local = localFileError(file);
    if (local) throw new ApiError({ status: 0, code: 'upload.local_check', message: local });
    let answer = await once(file);
    let error = answer.status >= 200 && answer.status < 300 ? null : uploadError(answer.status, answer.data);
    if (error && error.status === 401 && REFRESHABLE.has(error.code) && answer.token && renew) {
      await renew();
      answer = await once(file);
      error = answer.status >= 200 && answer.status < 300 ? null : uploadError(answer.status, answer.data);
    }
    if (error) throw error;
    return parse(answer.data);
  };
}

// An authenticated download (uni.downloadFile cannot go through the JSON client): resolves the
// temporary file path, renewing the login once on a 401 like uploads do.
export function createDownloader({ baseUrl, downloadFile, getToken, renew }) {
  function once(path) {
    return new Promise((resolve, reject) => {
      const token = getToken();
      downloadFile({
        url: buildUrl(baseUrl, path),
        header: token ? { Authorization: `Bearer ${token}` } : {},
        success: (res) => resolve({ status: res.statusCode, path: res.tempFilePath, token }),
        fail: (err) => reject(new ApiError({ status: 0, code: 'network', message: '网络异常，下载失败，请重试', cause: err })),
      });
    });
  }

  // Error bodies are not readable from a download: the status picks the Chinese message.
  function failure(status) {
    if (status === 404) return new ApiError({ status, code: 'http.404', message: '文件不存在或已删除' });
    if (status === 401) return new ApiError({ status, code: 'http.401', message: '登录已失效，请重新登录' });
    return new ApiError({ status, code: `http.${status}`, message: '下载失败，请稍后再试' });
  }

  return async function download(path) {
    let answer = await once(path);
    if (answer.status === 401 && answer.token && renew) {
      await renew();
      answer = await once(path);
    }
    if (answer.status < 200 || answer.status >= 300) throw failure(answer.status);
    return answer.path;
  };
}
