export const CASE_STATUS = Object.freeze({
  waiting: '待发送', sending: '发送中', synced: '已同步', conflict: '有冲突', rejected: '数据有误',
});
export const PHOTO_STATUS = Object.freeze({ waiting: '待上传', uploading: '上传中', uploaded: '已上传', rejected: '上传失败' });
export const SERVER_STATE = Object.freeze({
  draft: '草稿', registered: '已立案', under_review: '审核中', decided: '已决定', closed: '已结案', returned: '已退回',
});

export function when(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}
