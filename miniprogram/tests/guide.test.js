import { test } from 'node:test';
import assert from 'node:assert/strict';

import { feeText, guideSections, telHref } from '../src/common/guide.js';

const GUIDE = {
  conditions: ['机动车驾驶证有效期满前90日内'],
  places: [{ name: '车辆管理所', address: '石桥路', hours: '工作日 8:30—17:00' }],
  phones: [{ label: '公安交通管理服务热线', number: '12123' }, { label: '窗口', number: '0571-8765 4321' }],
  basis: ['《机动车驾驶证申领和使用规定》'],
  steps: [{ name: '在线申请', detail: '' }, { name: '办结', detail: '邮寄送达' }],
  fee_note: '工本费每证10元',
  sample: { name: '机动车驾驶证', description: '聚碳酸酯材质' },
};

test('sections in reading order, each with a heading; phones dial digits only', () => {
  const sections = guideSections({ kind: 'application', fee_fen: 1000, guide: GUIDE });
  assert.deepEqual(sections.map((s) => s.title), ['受理条件', '办理流程', '办理地点和时间', '咨询电话', '收费', '结果样本', '设定依据']);
  const phones = sections.find((s) => s.id === 'phones').phones;
  assert.deepEqual(phones.map((p) => p.href), ['tel:12123', 'tel:057187654321']);
  assert.deepEqual(sections.find((s) => s.id === 'fee'), { id: 'fee', title: '收费', text: '10.00 元', note: '工本费每证10元' });
});

test('nothing to say, no section; a free application says 不收费', () => {
  assert.deepEqual(guideSections({ kind: 'query' }), []);
  assert.deepEqual(guideSections({ kind: 'application', fee_fen: 0, guide: { sample: null } }).map((s) => s.text), ['不收费']);
  assert.equal(feeText({ fee_fen: 12000 }), '120.00 元');
  assert.equal(telHref('400-123-4567'), 'tel:4001234567');
});
