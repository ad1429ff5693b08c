import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  blankKey, blankTemplate, dataRows, ofChannel, outcomeLine, takenEvents, toEditable, toPayload, typeOfKey,
} from '../js/templates.js';

// The demo templates the server seeds (models/demo/message_templates.json).
const demo = JSON.parse(readFileSync(new URL('../../models/demo/message_templates.json', import.meta.url), 'utf8'));

test('every demo template comes back unchanged through the editor', () => {
  assert.equal(demo.length, 2);
  for (const template of demo) {
    const { body, errors } = toPayload(toEditable({ ...template, id: 'x', version: 2, updated_by: 'operator' }));
    assert.deepEqual(errors, {});
    assert.deepEqual(body, template, template.template_id);
  }
});

test('a WeChat key is its type and a number; the type follows the key', () => {
  assert.equal(typeOfKey('character_string13'), 'character_string');
  assert.equal(typeOfKey('thing1'), 'thing');
  const model = blankTemplate('wechat');
  model.template_id = 'Bb8MOi2eNZ-1E3OB_ms2b1uF8eE';
  model.title = '办件状态变更提醒';
  model.keys = [{ key: ' time11 ', type: 'thing', source: 'time', text: 'ignored', max_length: '9' },
    { key: 'phrase3', type: 'thing', source: 'fixed', text: ' 已受理 ', max_length: '' }];
  const { body, errors } = toPayload(model);
  assert.deepEqual(errors, {});
  assert.deepEqual(body.keys, [{ key: 'time11', type: 'time', source: 'time' },
    { key: 'phrase3', type: 'phrase', source: 'fixed', text: '已受理' }]);
  assert.equal(body.page, 'pages/applications/detail');
});

test('what to fix before saving', () => {
  const model = blankTemplate('wechat');
  model.keys = [{ key: 'Thing1', source: 'item_name' }, { key: 'color1', source: 'status' },
    { key: 'thing2', source: 'fixed', text: ' ' }, { key: 'thing2', source: 'number' }];
  const { errors } = toPayload(model);
  assert.deepEqual(Object.keys(errors).sort(), ['keys[0].key', 'keys[1].key', 'keys[2].text', 'keys[3].key', 'template_id', 'title']);
  assert.deepEqual(errors['keys[1].key'], ['未知的关键词类型：color']);
  assert.deepEqual(errors['keys[3].key'], ['关键词重复']);
  assert.deepEqual(toPayload({ ...blankTemplate('wechat'), keys: [] }).errors.keys, ['至少登记一个关键词']);
});

test('Alipay keywords carry their length', () => {
  const model = blankTemplate('alipay');
  assert.deepEqual(model.keys, [blankKey('alipay')]);
  model.keys.push(blankKey('alipay', model.keys));
  model.keys[1].max_length = '32';
  model.keys[1].source = 'number';
  const { body } = toPayload({ ...model, template_id: 'MDI4YzIx=', title: '办件进度提醒' });
  assert.deepEqual(body.keys, [{ key: 'keyword1', type: 'keyword', source: 'item_name', max_length: 20 },
    { key: 'keyword2', type: 'keyword', source: 'number', max_length: 32 }]);
  assert.deepEqual(toPayload({ ...model, keys: [{ key: 'thing1', source: 'status' }] }).errors['keys[0].key'],
    ['支付宝关键词应为 keyword 加序号']);
});

test('events another template of the channel sends', () => {
  const templates = [{ id: 'a', channel: 'wechat', title: '办件进度通知', events: ['application.accepted'] },
    { id: 'b', channel: 'alipay', title: '支付宝', events: ['application.denied'] },
    { id: 'c', channel: 'wechat', title: '我自己', events: ['application.completed'] }];
  assert.deepEqual(takenEvents(templates, { channel: 'wechat' }, 'c'), { 'application.accepted': '办件进度通知' });
  assert.deepEqual(ofChannel(templates, 'alipay').map((t) => t.id), ['b']);
});

test('a preview and a test-send, as shown', () => {
  const keys = [{ key: 'thing1' }, { key: 'phrase3' }];
  const answer = { data: { thing1: { value: '社保卡补换' }, phrase3: { value: '办件不予受理' } },
    problems: { phrase3: '通知标题「办件不予受理」应为 5 个以内汉字' } };
  assert.deepEqual(dataRows(keys, answer), [{ key: 'thing1', value: '社保卡补换', problem: '' },
    { key: 'phrase3', value: '办件不予受理', problem: '通知标题「办件不予受理」应为 5 个以内汉字' }]);
  assert.deepEqual(dataRows(keys, null).map((r) => r.value), ['', '']);
  assert.equal(outcomeLine({ status: 'accepted', receipt: '3000000000000000001' }), '平台已受理，消息 ID 3000000000000000001');
  assert.equal(outcomeLine({ status: 'permanent-failure', reason: 'no-quota (43101)' }), '发送失败：no-quota (43101)');
  assert.equal(outcomeLine(null), '');
});
