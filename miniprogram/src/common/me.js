// 我的: the resident (GET /api/v1/me), the linked channels (一号) and the notification preferences
// (GET/PUT /api/v1/me/notification-preferences). Pure: node-tested.
import { formatDateTime, maskPhone } from './format.js';

export const ME_PATH = '/api/v1/me';
export const PREFERENCES_PATH = '/api/v1/me/notification-preferences';

// Every channel a resident can log in on (models/catalog.py CHANNELS), in the order shown.
export const CHANNEL_LABELS = Object.freeze({
  wechat: '微信小程序',
  alipay: '支付宝小程序',
  app: '政务服务App / 网页（手机号）',
});

// Where a notification may go first (models/subscriptions.py PUSH_CHANNELS).
export const PUSH_LABELS = Object.freeze({
  wechat: '微信服务通知',
  alipay: '支付宝消息',
  app: '政务服务App推送',
});

export const DEFAULT_PREFERENCES = Object.freeze({ channel: null, sms: 'important' });

const has = (obj, key) => Object.prototype.hasOwnProperty.call(obj, key);

export function channelLabel(channel) {
  return has(CHANNEL_LABELS, channel) ? CHANNEL_LABELS[channel] : channel;
}

export function channelPath(channel) {
  return `${ME_PATH}/channels/${encodeURIComponent(channel)}`;
}

// The profile card. The server masks the name, 身份证号 and phone (ResidentViewSchema).
export function profileView(me) {
  const realname = (me && me.realname) || {};
  const verified = realname.status === 'verified';
  const verifiedAt = verified ? formatDateTime(realname.verified_at) : '';
  return {
    verified,
    name: verified ? realname.name || '' : '',
    idNumber: verified ? realname.id_number || '' : '',
    verifiedAt: verifiedAt ? `认证于 ${verifiedAt.slice(0, 10)}` : '',
    phone: me && me.phone ? maskPhone(me.phone) : '',
  };
}

// One row per channel: linked or not, since when, and whether it may be unlinked here. The channel
// this login came from is never offered (unlinking it would leave this session on an identity that
// no longer belongs to the resident), nor the last linked one (the server refuses that: 409).
export function channelRows(me, current) {
  const linked = new Map(((me && me.channels) || []).map((c) => [c.channel, c]));
  const known = Object.keys(CHANNEL_LABELS);
  const names = [...known, ...[...linked.keys()].filter((c) => !known.includes(c))];
  return names.map((channel) => {
    const link = linked.get(channel);
    const since = link ? formatDateTime(link.linked_at) : '';
    const isCurrent = channel === current;
    return {
      channel,
      label: channelLabel(channel),
      linked: Boolean(link),
      current: isCurrent,
      since: since ? `关联于 ${since.slice(0, 10)}` : '',
      canUnlink: Boolean(link) && !isCurrent && linked.size > 1,
    };
  });
}

export function unlinkMessage(channel) {
  const label = channelLabel(channel);
  return `解除后不能再用${label}登录到本账号，在${label}中的办件记录仍保留在本账号。下次从${label}登录会是一个新账号，实名认证后可重新关联。确定解除吗？`;
}

export function preferencesOf(answer) {
  const prefs = { ...DEFAULT_PREFERENCES };
  if (answer && typeof answer.channel === 'string' && answer.channel) prefs.channel = answer.channel;
  if (answer && (answer.sms === 'important' || answer.sms === 'off')) prefs.sms = answer.sms;
  return prefs;
}

// The choices for the preferred channel: "where the application came from" (null), and the push
// channels this resident is linked on. A saved channel no longer linked still shows, marked.
export function channelChoices(me, prefs) {
  const linked = new Set(((me && me.channels) || []).map((c) => c.channel));
  const choices = [{ value: null, label: '从哪里办理就通知到哪里' }];
  for (const channel of Object.keys(PUSH_LABELS)) {
    if (linked.has(channel)) choices.push({ value: channel, label: PUSH_LABELS[channel] });
  }
  const saved = prefs && prefs.channel;
  if (saved && !choices.some((c) => c.value === saved)) {
    const label = has(PUSH_LABELS, saved) ? PUSH_LABELS[saved] : saved;
    choices.push({ value: saved, label: `${label}（未关联）` });
  }
  return choices;
}

// PUT replaces the whole document (omitted fields fall back to their defaults): always send both.
export function preferencesBody(prefs, change = {}) {
  const next = { ...DEFAULT_PREFERENCES, ...preferencesOf(prefs), ...change };
  return { channel: next.channel ?? null, sms: next.sms === 'off' ? 'off' : 'important' };
}

export function smsExplain(profile) {
  const when = '办件不予受理、需要补正、准予、不予批准或办结时，如以上方式都没有送达';
  if (profile && profile.phone) return `${when}，发短信到 ${profile.phone}。`;
  return `${when}发短信提醒；您还没有留手机号，暂时收不到短信。`;
}
