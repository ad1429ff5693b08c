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
