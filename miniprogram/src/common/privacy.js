// 用户协议 / 隐私政策 consent, the 身份证号 notice and account closure (注销账号). Pure: node-tested.
// The server's rules are in models/legal.py and models/closure.py.

export const LEGAL_PATH = '/api/v1/legal'; // {versions: {terms, privacy, id_number}}
export const CONSENTS_PATH = '/api/v1/me/consents';
export const CLOSURE_PATH = '/api/v1/me/closure';
// the face check a real-named account needs to close on WeChat or Alipay (usecases/account_closure.py)
export const CLOSURE_FACE_PATH = '/api/v1/me/closure/face';
export const CLOSURE_FACE_REQUIRED = 'closure.face_required';
export const CONSENT_PAGE = '/pages/consent/consent';
export const CLOSURE_PAGE = '/pages/closure/closure';
export const LOGIN_KINDS = Object.freeze(['terms', 'privacy']);
export const CLOSE_WORD = '注销';

export function documentPath(kind) {
  return `${LEGAL_PATH}/${encodeURIComponent(kind)}`;
}

// What a login answer or GET /me says is still to agree to: [{kind, version, title}].
export function consentRequired(answer) {
  return (answer && Array.isArray(answer.consent_required)) ? answer.consent_required : [];
}

// POST /me/consents for the documents shown: each at the version the resident read.
export function consentBody(documents) {
  const kinds = documents.map((d) => d.kind);
  const versions = {};
  for (const d of documents) versions[d.kind] = d.version;
  return { kinds, versions };
}

// Whether the 身份证号 notice must be agreed to (again) before real-name verification.
export function idNumberConsentNeeded(me, versions) {
  const given = me && me.consents && me.consents.id_number;
  const current = versions && versions.id_number;
  return !given || (current !== undefined && given.version !== current);
}

// A 403 from any API: the documents changed (or were never agreed to) since this login began.
export function isConsentError(error) {
  return Boolean(error) && error.status === 403 && error.code === 'consent.required';
}

// 注销账号: what happens, in the words shown before the resident confirms.
export const CLOSURE_CONSEQUENCES = Object.freeze([
  '注销后无法恢复。您的所有登录方式（微信、支付宝、手机号）会解除关联，所有设备上的登录立即失效。',
  '您的姓名、身份证号、手机号、绑定的车辆、消息、材料库、消息订阅和通知设置将被删除。',
  '已提交的办件是政务档案，依法由承办部门保存，但不再与您关联：注销后您无法在本应用查看其进度或结果，需要时请持身份证到窗口查询。',
  '以后用同一微信、支付宝或手机号登录，将是一个全新的账号。',
]);

// The proof the closure needs for this login's channel, from what the page collected:
// WeChat / Alipay a fresh login code, the app (h5) a new SMS code to the phone.
export function closureProof(channel, { code, phone, otp } = {}) {
  if (channel === 'wechat') return { code };
  if (channel === 'alipay') return { auth_code: code };
  return { phone, otp };
}

export function closureBody(channel, confirm, collected) {
  return { confirm: (confirm || '').trim(), proof: closureProof(channel, collected) };
}

// What is wrong before sending, or '' when the closure may be sent.
export function closureProblem(channel, confirm, { phone, otp } = {}) {
  if ((confirm || '').trim() !== CLOSE_WORD) return `请输入“${CLOSE_WORD}”两个字以确认`;
  if (channel === 'app') {
    if (!/^1[3-9]\d{9}$/.test(phone || '')) return '请输入本账号绑定的手机号';
    if (!/^\d{6}$/.test(otp || '')) return '请输入6位短信验证码';
  }
  return '';
}
