// 账号关联 (issue 14, finding 1): a login whose 身份证号 another account already holds proves it is
// the same person (an SMS code to that account's phone, face verification on the mini-programs, or
// approval from a device logged in to that account) before it joins it. The account's owner sees the
// requests and the merges on 我的 and answers or undoes them. Pure: node-tested; the platform's face
// check is passed in.
import { formatDateTime } from './format.js';

export const REALNAME_PATH = '/api/v1/me/realname';
export const LINK_PAGE = 'pages/link/link';

// How a login is named to the resident (shorter than me.js CHANNEL_LABELS: it sits inside a sentence).
export const LINK_CHANNEL_LABELS = Object.freeze({
  wechat: '微信',
  alipay: '支付宝',
  app: '手机App或网页',
});

// How a merge was proved (GET /me links.merges[].via); null: joined by the old rule, before proofs.
export const VIA_LABELS = Object.freeze({
  sms: '短信验证码确认',
  face: '人脸核身确认',
  approval: '您在已登录的设备上批准',
});
const VIA_NONE = '实名认证时自动关联';

// Face verification runs on the platform of the login: WeChat 人脸核身, Alipay 身份验证.
export const FACE_PLATFORMS = Object.freeze({ wechat: '微信', alipay: '支付宝' });

export const LINK_EXPLAIN = '该身份证号已绑定其他账号。为保护账号安全，需要确认是您本人。';
export const LINK_GONE_MESSAGE = '这次关联申请已过期（24小时内有效）或已被该账号拒绝。如需关联，请重新提交实名信息。';
export const SMS_CODE_MESSAGE = '请输入6位数字验证码';
export const NOT_APPROVED_YET = '还没有收到批准。请在已登录该账号的设备上点“批准”后，再点这个按钮。';

const ORDINALS = ['一', '二', '三', '四'];
const has = (obj, key) => Object.prototype.hasOwnProperty.call(obj, key);

export function linkChannelLabel(channel) {
  return has(LINK_CHANNEL_LABELS, channel) ? LINK_CHANNEL_LABELS[channel] : String(channel || '其他');
}

export function linkPath(id, action) {
  return `/api/v1/me/links/${encodeURIComponent(id)}/${action}`;
}

export function mergeUndoPath(id) {
  return `/api/v1/me/merges/${encodeURIComponent(id)}/undo`;
}

// links of GET /me, each list present (an older server sends none).
export function linksOf(me) {
  const links = (me && me.links) || {};
  const list = (value) => (Array.isArray(value) ? value : []);
  return { incoming: list(links.incoming), outgoing: list(links.outgoing), merges: list(links.merges) };
}

// GET /me without `links`: what the login keeps as its resident.
export function residentOf(me) {
  if (!me || typeof me !== 'object') return null;
  const resident = { ...me };
  delete resident.links;
  return resident;
}

export function isVerified(me) {
  return Boolean(me && me.realname && me.realname.status === 'verified');
}

// Where this login's request stands, from GET /me: still `pending` (with the request), `joined`
// (approved elsewhere: this login's token now speaks for the account, verified), or `gone` (expired
// or refused: nothing pending and still unverified).
export function linkStatus(me, linkId) {
  const { outgoing } = linksOf(me);
  const link = outgoing.find((l) => l.id === linkId) || outgoing[0] || null;
  if (link) return { state: 'pending', link };
  return { state: isVerified(me) ? 'joined' : 'gone', link: null };
}

// The proofs this login can bring, in the order offered: SMS code, face (only on a mini-program, on
// the platform the request came from), approval on another device. Each with its plain explanation.
export function proofOptions(link, { channel, isMiniProgram } = {}) {
  const offered = new Set((link && link.proofs) || []);
  const options = [];
  if (offered.has('sms')) {
    const to = link.phone ? `该账号登记的手机号 ${link.phone} ` : '该账号登记的手机号';
    options.push({
      method: 'sms',
      title: '短信验证码',
      explain: `向${to}发送验证码，输入收到的6位验证码即可关联。`,
    });
  }
  const face = FACE_PLATFORMS[channel];
  if (offered.has('face') && isMiniProgram && face && (!link.channel || link.channel === channel)) {
    options.push({
      method: 'face',
      title: `${face}人脸核身`,
      explain: `由${face}核对您本人的面部和身份证信息，需要对着手机摄像头完成几个动作。`,
    });
  }
  if (offered.has('approval')) {
    options.push({
      method: 'approval',
      title: '在已登录该账号的设备上批准',
      explain: '如果您在其他手机上登录着该账号（微信、支付宝小程序或政务服务App），请在那里打开“我的”页面，'
        + '在“有新的登录方式申请关联您的账号”下点“批准”。批准后回到这里，点下面的按钮。',
    });
  }
  return options.map((option, i) => ({ ...option, order: `方式${ORDINALS[i] || i + 1}` }));
}

// "2026-01-06 11:00 前有效"
export function expiresLine(link) {
  const at = formatDateTime(link && link.expires_at);
  return at ? `申请在 ${at} 前有效` : '';
}

export function validSmsCode(code) {
  return /^\d{6}$/.test(String(code || '').trim());
}

// What a failed link call means for the link page: `gone` (expired, refused or no longer possible:
// start again), `recheck` (decided meanwhile, perhaps approved: read GET /me), or `retry` (show the
// message, the resident may try again).
export function linkErrorKind(error) {
  const code = error && error.code;
  if (code === 'link.not_found' || code === 'link.source_changed' || code === 'link.target_changed') return 'gone';
  if (code === 'link.decided') return 'recheck';
  return 'retry';
}

export function linkErrorMessage(error, fallback = '操作失败，请稍后再试') {
  if (error && error.code === 'link.not_found') return LINK_GONE_MESSAGE;
  return (error && error.message) || fallback;
}

// A request from another login to join my account (GET /me links.incoming).
export function incomingView(link) {
  const label = linkChannelLabel(link.channel);
  const at = formatDateTime(link.created_at);
  return {
    id: link.id,
    channel: link.channel,
    channelLabel: label,
    from: `来自${label}的登录`,
    at: at ? `申请时间 ${at}` : '',
    expires: expiresLine(link),
  };
}

export function approveMessage(link) {
  const label = linkChannelLabel(link && link.channel);
  return `批准后，这个${label}的登录将能查看和办理您账号下的全部办件、消息和材料。`
    + '如果不是您本人刚刚发起的，请不要批准，点“拒绝”。确定批准吗？';
}

// A login joined to my account (GET /me links.merges): how it was proved and when; undo when not undone.
export function mergeView(merge) {
  const channels = (merge.channels || []).map(linkChannelLabel);
  const label = channels.length ? channels.join('、') : '其他登录方式';
  const at = formatDateTime(merge.at);
  const undoneAt = formatDateTime(merge.undone_at);
  const via = has(VIA_LABELS, merge.via) ? VIA_LABELS[merge.via] : VIA_NONE;
  return {
    id: merge.id,
    channels: [...(merge.channels || [])],
    label,
    via,
    at: at ? `关联于 ${at}` : '',
    undone: Boolean(merge.undone_at),
    state: merge.undone_at ? `已撤销${undoneAt ? `（${undoneAt}）` : ''}` : '已关联',
    canUndo: !merge.undone_at,
  };
}

// view: a mergeView; current: this login's channel (undoing a merge that moved it may log it out).
export function undoMessage(view, current) {
  const self = current && view.channels.includes(current)
    ? `如果您现在正是用${linkChannelLabel(current)}登录的，撤销后这里需要重新登录。` : '';
  return `撤销后，${view.label}的登录将不能再查看和办理本账号的办件、消息和材料，它会变回一个单独的账号。${self}确定撤销吗？`;
}

// This login's own pending request, for 我的 and the real-name page: continue it on the link page.
export function outgoingNotice(me) {
  const link = linksOf(me).outgoing[0];
  if (!link) return null;
  const expires = expiresLine(link);
  return {
    id: link.id,
    title: '您有一个账号关联申请待确认',
    explain: `${LINK_EXPLAIN}${expires ? `${expires}。` : ''}`,
  };
}

export function linkPageUrl(id, redirect) {
  const pairs = [`id=${encodeURIComponent(id)}`];
  if (redirect) pairs.push(`redirect=${encodeURIComponent(String(redirect).replace(/^\/+/, ''))}`);
  return `/${LINK_PAGE}?${pairs.join('&')}`;
}

function unsupported(channel) {
  const name = FACE_PLATFORMS[channel] || '当前应用';
  return `当前${name}版本不支持人脸核身，请升级${name}后重试，或选择其他方式。`;
}

// Run the platform's face check with POST /links/{id}/face's `client`: WeChat
// wx.requestFacialVerify({verifyId}) (base library ≥ 3.8.12), Alipay my.startAPVerify({url,
// certifyId}). Resolves {started: true, passed} once the platform answers either way (the server
// has the verdict: confirm next), or {started: false, message} when the check cannot run here.
export function runFaceCheck(channel, client, platform) {
  return new Promise((resolve) => {
    const answered = (passed) => (result) => resolve({ started: true, passed, result: result || null });
    const cannot = () => resolve({ started: false, message: unsupported(channel) });
    try {
      if (channel === 'wechat' && platform && typeof platform.requestFacialVerify === 'function' && client && client.verify_id) {
        platform.requestFacialVerify({ verifyId: client.verify_id, success: answered(true), fail: answered(false) });
      } else if (channel === 'alipay' && platform && typeof platform.startAPVerify === 'function' && client && client.certify_id) {
        platform.startAPVerify({ url: client.url, certifyId: client.certify_id, success: answered(true), fail: answered(false) });
      } else {
        cannot();
      }
    } catch {
      cannot();
    }
  });
}
