// 我的材料库 (减证便民): display helpers for GET /api/v1/me/materials entries. Pure: node-tested.
import { formatDateTime } from './format.js';

export const LIBRARY_PATH = '/api/v1/me/materials';

// What the server keeps (models/library.py): code, name, upload_id, content_type,
// from_application (the 办件 it was accepted in) and added_at (when it was filed).
export function entryView(entry) {
  const type = entry.content_type || '';
  const isImage = /^image\//.test(type);
  const added = formatDateTime(entry.added_at);
  return {
    code: entry.code,
    name: entry.name || entry.code,
    uploadId: entry.upload_id || '',
    isImage,
    badge: isImage ? '图片' : type === 'application/pdf' ? 'PDF' : '文件', // shown when there is no preview
    added: added ? `保存于 ${added}` : '',
    from: entry.from_application || '',
  };
}

export function entryPath(code) {
  return `${LIBRARY_PATH}/${encodeURIComponent(code)}`;
}

export function uploadContentPath(uploadId) {
  return `/api/v1/uploads/${encodeURIComponent(uploadId)}/content`;
}

// The confirm before withdrawing consent: it deletes every entry, which cannot be undone.
export function withdrawMessage(count) {
  const what = count > 0 ? `材料库中的 ${count} 份材料将全部删除，且不可恢复` : '材料库将被清空';
  return `关闭后，${what}；以后审核通过的材料也不再保存。确定关闭吗？`;
}
