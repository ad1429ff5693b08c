import { test } from 'node:test';
import assert from 'node:assert/strict';
import { publishBody, sectionsToText, textToSections } from '../js/legal.js';

const SECTIONS = [{ heading: '一、我们是谁', text: '本市政务服务数据管理部门' }, { heading: '二、联系我们', text: '12345\n窗口咨询' }];

test('sections round-trip through the editor text', () => {
  assert.deepEqual(textToSections(sectionsToText(SECTIONS)), { sections: SECTIONS });
});

test('text without a heading first, or an empty section, is refused in words', () => {
  assert.match(textToSections('没有标题').error, /【标题】/);
  assert.match(textToSections('').error, /至少/);
  assert.match(textToSections('【一】\n\n【二】\n内容').error, /“一”/);
});

test('the publish body: Beijing time, or none for at once', () => {
  const { body } = publishBody({ title: ' 隐私政策 ', text: sectionsToText(SECTIONS), effective: '2026-07-01T00:00', changes: ' 增加人脸核验 ' });
  assert.deepEqual(body, { title: '隐私政策', sections: SECTIONS, changes: '增加人脸核验', effective_at: '2026-07-01T00:00:00+08:00' });
  assert.equal(publishBody({ title: '隐私政策', text: sectionsToText(SECTIONS), effective: '' }).body.effective_at, undefined);
  assert.match(publishBody({ title: '', text: sectionsToText(SECTIONS) }).error, /标题/);
});
