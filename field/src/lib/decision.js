// 当场处罚 (行政处罚法 第五十一条): what the inspector fills in before the party signs, checked as the
// server checks it (models/documents.py).
import { spotRule } from './catalog.js';

// {penalty, service} problems in Chinese; {} when the decision can be sent.
export function checkDecision({ violation, partyKind, penalty, service, signed }) {
  const problems = {};
  const rule = spotRule(violation, partyKind);
  if (!rule.allowed) problems.penalty = rule.text || '该违法行为不能当场处罚';
  else if (penalty.kind === 'warning' && !violation.warning) problems.penalty = '该违法行为不能只给予警告';
  else if (penalty.kind === 'fine') {
    const amount = Number(penalty.amount);
    const [min, max] = violation.fine;
    const cap = Math.min(max, rule.limit);
    if (!Number.isInteger(amount) || amount < Math.max(1, min) || amount > cap) {
      problems.penalty = `罚款应为 ${Math.max(1, min)} 到 ${cap} 元的整数`;
    }
  }
  if (service.method === 'electronic') {
    if (!/^1[3-9]\d{9}$/.test(String(service.phone || '').trim())) problems.service = '电子送达须填写当事人手机号码';
    else if (!service.consent) problems.service = '电子送达须经当事人同意';
  }
  if (!signed) problems.signature = '请当事人在签名框内签名';
  return problems;
}

export function decisionBody({ version, penalty, service, signature }) {
  return {
    version,
    penalty: penalty.kind === 'warning' ? { kind: 'warning' } : { kind: 'fine', amount: Number(penalty.amount) },
    service: service.method === 'electronic'
      ? { method: 'electronic', phone: String(service.phone).trim(), consent: true }
      : { method: 'on_spot' },
    signature,
  };
}

// SMS failures the inspector can act on, in words; anything else is named by its code.
const SMS_REASONS = {
  'isv.MOBILE_NUMBER_ILLEGAL': '手机号码无法接收短信',
  'isv.BUSINESS_LIMIT_CONTROL': '发送过于频繁，请稍后再试',
  'isv.AMOUNT_NOT_ENOUGH': '短信账户余额不足，请联系管理员',
  'sms.unavailable': '短信服务暂时不可用',
};

// How a document was served, in one line; `resend` when its 电子送达 SMS may be sent again.
export function serviceState(document) {
  const service = document.service || {};
  if (service.method !== 'electronic') return { text: '送达：当场交付', resend: false };
  const sms = document.service_sms;
  let text = `送达：电子送达 ${service.phone_masked || ''}`;
  if (document.service_opened_at) text += ' · 当事人已查看';
  else if (sms && sms.status === 'sent') text += ' · 短信已发送，当事人尚未查看';
  else if (sms && sms.status === 'failed') text += ` · 短信发送失败（${SMS_REASONS[sms.reason] || sms.reason}）`;
  else text += ' · 短信未发送';
  return { text, resend: !document.service_opened_at };
}

// 现场笔录: signed, or the party's refusal recorded instead (the server takes exactly one).
export function recordBody({ version, signature }) {
  return signature ? { version, signature } : { version, party_refused: true };
}

// What the record will say (the app's case form), for the inspector to read to the party first.
export function recordSummary(form) {
  const lines = [];
  if (form && form.facts) lines.push(`现场情况：${form.facts}`);
  if (form && form.measures) lines.push(`处置措施：${form.measures}`);
  return lines.length ? lines : ['（现场写实尚未填写）'];
}
