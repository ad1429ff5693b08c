import { describe, expect, it } from 'vitest';
import { ageText, direction, distanceText, fromPoint, metres } from '../src/lib/geo.js';
import { heartbeatDue, HEARTBEAT_MS, newlyAssigned, nextStep } from '../src/lib/duty.js';
import { checkLookup, normaliseKey, remainingText, rows } from '../src/lib/lookup.js';
import { checkDecision, decisionBody, recordBody, recordSummary, serviceState } from '../src/lib/decision.js';
import { createPad, drawStrokes, padPoint } from '../src/lib/signature.js';
import { findViolation } from '../src/lib/catalog.js';
import { createQueue } from '../src/lib/queue.js';
import { memoryStore } from '../src/lib/stores.js';
import { emptyForm } from '../src/lib/case-body.js';

const HERE = { lng: 120.1551, lat: 30.2741 };

describe('distances (as the server: haversine)', () => {
  it('measures and words them', () => {
    expect(Math.round(metres(HERE, { lng: 120.1651, lat: 30.2741 }))).toBe(960);
    expect(distanceText(960.3)).toBe('960 米');
    expect(distanceText(12345)).toBe('12 公里');
    expect(distanceText(1500)).toBe('1.5 公里');
    expect(distanceText(null)).toBe('位置未知');
    expect(metres(null, HERE)).toBe(null);
  });
  it('gives the direction in eight steps', () => {
    expect(direction(HERE, { lng: 120.1651, lat: 30.2741 })).toBe('东');
    expect(direction(HERE, { lng: 120.1551, lat: 30.2641 })).toBe('南');
    expect(direction(HERE, { lng: 120.1451, lat: 30.2841 })).toBe('西北');
  });
  it('reads GeoJSON points and ages', () => {
    expect(fromPoint({ type: 'Point', coordinates: [1, 2] })).toEqual({ lng: 1, lat: 2 });
    expect(fromPoint(null)).toBe(null);
    expect(ageText(30)).toBe('30 秒前');
    expect(ageText(600)).toBe('10 分钟前');
    expect(ageText(7300)).toBe('2 小时前');
  });
});

describe('duty', () => {
  it('offers the next step of a task', () => {
    expect(nextStep({ state: 'assigned' })).toEqual({ step: 'accept', label: '接受任务' });
    expect(nextStep({ state: 'accepted' }).step).toBe('arrive');
    expect(nextStep({ state: 'arrived' }).step).toBe('complete');
    expect(nextStep({ state: 'completed' })).toBe(null);
  });
  it('alerts once per newly assigned task', () => {
    const tasks = [{ id: 'a', state: 'assigned' }, { id: 'b', state: 'assigned' }, { id: 'c', state: 'accepted' }];
    expect(newlyAssigned(tasks, ['a'])).toEqual(['b']);
    expect(newlyAssigned(tasks, ['a', 'b'])).toEqual([]);
  });
  it('beats every minute, or after moving 50 m', () => {
    expect(heartbeatDue(0, 1000, null)).toBe(true);
    expect(heartbeatDue(1000, 1000 + HEARTBEAT_MS - 1, 10)).toBe(false);
    expect(heartbeatDue(1000, 1000 + HEARTBEAT_MS, 10)).toBe(true);
    expect(heartbeatDue(1000, 2000, 80)).toBe(true);
  });
});

describe('look-ups', () => {
  it('checks keys as the server does and wants a reason', () => {
    expect(checkLookup({ kind: 'vehicle', key: '浙a7k2m9', reason: '现场检查核实' })).toEqual({});
    expect(checkLookup({ kind: 'vehicle', key: 'A7K2M9', reason: '现场检查核实' }).key).toMatch('省份');
    expect(checkLookup({ kind: 'driver', key: '33010619550816331x', reason: '案件调查取证' })).toEqual({});
    expect(checkLookup({ kind: 'driver', key: '3301', reason: '案件调查取证' }).key).toMatch('18 位');
    expect(checkLookup({ kind: 'business', key: '330100123456', reason: '' }).reason).toMatch('事由');
    expect(checkLookup({ kind: 'business', key: '33010012345', reason: '核实经营资质' }).key).toMatch('12 位');
    expect(normaliseKey('vehicle', ' 浙a 7k2m9 ')).toBe('浙A7K2M9');
  });
  it('words the limit left and the answer', () => {
    expect(remainingText({ limit: '30 per 1 minute', remaining: 29 })).toBe('还可查询 29 次（每分钟 30 次）');
    expect(remainingText({ limit: '300 per 1 day', remaining: 0 })).toBe('还可查询 0 次（每天 300 次）');
    expect(remainingText(null)).toBe('');
    expect(rows({ plate: '浙A7K2M9', color: '白', nested: { a: 1 }, owner_name_masked: '张*' }))
      .toEqual([['号牌', '浙A7K2M9'], ['颜色', '白'], ['所有人', '张*']]);
  });
});

describe('当场处罚', () => {
  const parking = findViolation('TP-093');
  const overload = findViolation('HW-064');
  const ok = { violation: parking, partyKind: 'person', penalty: { kind: 'fine', amount: '100' }, service: { method: 'on_spot' }, signed: true };
  it('accepts a fine within Art. 51 and the violation', () => {
    expect(checkDecision(ok)).toEqual({});
    expect(checkDecision({ ...ok, penalty: { kind: 'warning' } })).toEqual({});
  });
  it('names what is wrong', () => {
    expect(checkDecision({ ...ok, penalty: { kind: 'fine', amount: '300' } }).penalty).toMatch('20 到 200');
    expect(checkDecision({ ...ok, penalty: { kind: 'fine', amount: '9.5' } }).penalty).toBeTruthy();
    expect(checkDecision({ ...ok, violation: overload, penalty: { kind: 'warning' } }).penalty).toMatch('警告');
    expect(checkDecision({ ...ok, service: { method: 'electronic', phone: '123' } }).service).toMatch('手机');
    expect(checkDecision({ ...ok, service: { method: 'electronic', phone: '13800138000' } }).service).toMatch('同意');
    expect(checkDecision({ ...ok, service: { method: 'electronic', phone: '13800138000', consent: true } })).toEqual({});
    expect(checkDecision({ ...ok, signed: false }).signature).toMatch('签名');
    expect(checkDecision({ ...ok, violation: findViolation('RT-063') }).penalty).toMatch('不可当场处罚');
  });
  it('builds the body the server wants', () => {
    expect(decisionBody({ version: 3, penalty: { kind: 'fine', amount: '100' }, service: { method: 'on_spot', phone: '1' }, signature: 'x' }))
      .toEqual({ version: 3, penalty: { kind: 'fine', amount: 100 }, service: { method: 'on_spot' }, signature: 'x' });
    expect(decisionBody({ version: 1, penalty: { kind: 'warning', amount: '5' }, service: { method: 'electronic', phone: ' 13800138000 ' }, signature: 'x' }))
      .toEqual({ version: 1, penalty: { kind: 'warning' }, service: { method: 'electronic', phone: '13800138000', consent: true }, signature: 'x' });
  });
});

describe('the signature pad', () => {
  it('is signed only with enough ink', () => {
    const pad = createPad();
    expect(pad.signed()).toBe(false);
    pad.start(0.1, 0.5);
    pad.move(0.2, 0.5);
    expect(pad.signed()).toBe(false); // a slip
    pad.move(0.5, 0.5);
    expect(pad.signed()).toBe(true);
    pad.clear();
    expect(pad.strokes()).toEqual([]);
  });
  it('maps pointer positions into the pad, clamped', () => {
    const box = { left: 10, top: 20, width: 200, height: 100 };
    expect(padPoint(110, 70, box)).toEqual([0.5, 0.5]);
    expect(padPoint(-50, 500, box)).toEqual([0, 1]);
  });
  it('draws every stroke at the target size', () => {
    const calls = [];
    const ctx = new Proxy({}, { get: (_t, name) => (...args) => calls.push([name, ...args]), set: () => true });
    drawStrokes(ctx, [[[0, 0], [1, 1]], [[0.5, 0.5]]], 600, 240);
    expect(calls.filter(([n]) => n === 'lineTo')).toEqual([['lineTo', 600, 240], ['lineTo', 300.5, 120]]);
    expect(calls.filter(([n]) => n === 'stroke')).toHaveLength(2);
  });
});

describe('queue.adopt (a step taken online)', () => {
  function setup() {
    let n = 0;
    const store = memoryStore();
    const queue = createQueue({ store, api: {}, uuid: () => `case-${(n += 1)}`, deviceId: 'd' });
    return { store, queue };
  }
  it('moves an untouched synced copy to the server version', async () => {
    const { store, queue } = setup();
    const record = await queue.save(null, emptyForm());
    await store.put('cases', { ...record, status: 'synced', version: 2, server: { version: 2, state: 'draft' } });
    const adopted = await queue.adopt(record.id, { version: 3, state: 'registered' });
    expect(adopted.version).toBe(3);
    expect(adopted.server.state).toBe('registered');
    expect((await queue.adopt(record.id, { version: 2, state: 'draft' })).server.state).toBe('registered'); // older: ignored
  });
  it('keeps a local edit on its base version', async () => {
    const { store, queue } = setup();
    const record = await queue.save(null, emptyForm());
    await store.put('cases', { ...record, status: 'waiting', version: 2, server: { version: 2, state: 'draft' } });
    const adopted = await queue.adopt(record.id, { version: 3, state: 'returned' });
    expect(adopted.version).toBe(2);
    expect(adopted.server.state).toBe('returned');
  });
});

describe('serviceState', () => {
  const electronic = { method: 'electronic', phone_masked: '138****8000' };
  it('says how the document was served and whether its SMS may go again', () => {
    expect(serviceState({ service: { method: 'on_spot' } })).toEqual({ text: '送达：当场交付', resend: false });
    expect(serviceState({ service: electronic, service_sms: { status: 'failed', reason: 'isv.AMOUNT_NOT_ENOUGH' } }))
      .toEqual({ text: '送达：电子送达 138****8000 · 短信发送失败（短信账户余额不足，请联系管理员）', resend: true });
    expect(serviceState({ service: electronic, service_sms: { status: 'failed', reason: 'isv.NEW' } }).text).toContain('（isv.NEW）');
    expect(serviceState({ service: electronic, service_sms: { status: 'sent' } }))
      .toEqual({ text: '送达：电子送达 138****8000 · 短信已发送，当事人尚未查看', resend: true });
    expect(serviceState({ service: electronic, service_sms: { status: 'sent' }, service_opened_at: '2026-12-02T08:00:00Z' }))
      .toEqual({ text: '送达：电子送达 138****8000 · 当事人已查看', resend: false });
  });
});

describe('现场笔录', () => {
  it('is signed or records the refusal, never both', () => {
    expect(recordBody({ version: 4, signature: 'png' })).toEqual({ version: 4, signature: 'png' });
    expect(recordBody({ version: 4, signature: null })).toEqual({ version: 4, party_refused: true });
  });
  it('reads back what the record will say', () => {
    expect(recordSummary({ facts: '禁停路段停车', measures: '' })).toEqual(['现场情况：禁停路段停车']);
    expect(recordSummary({ facts: '', measures: '' })).toEqual(['（现场写实尚未填写）']);
  });
});
