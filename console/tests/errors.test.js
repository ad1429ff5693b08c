import test from 'node:test';
import assert from 'node:assert/strict';
import { describeAll, describePath, errorText, errorsUnder, hasErrorsUnder, messagesAt, parsePath, wechatErrorLine } from '../js/errors.js';

// The shape the server sends (models/errors.flatten_errors).
const details = {
  name: ['长度应在 1 到 30 之间'],
  form: ['字段名重复：phone'],
  'form[2].options': ['选择题至少需要两个选项'],
  'form[2].options[0].value': ['此项为必填项'],
  'form[12].name': ['字段名须为小写字母开头的英文、数字或下划线'],
  'sections[0].entries[1].item_code': ['事项 XX0001 不存在'],
};

test('messages of one path, and of everything under a prefix', () => {
  assert.deepEqual(messagesAt(details, 'name'), ['长度应在 1 到 30 之间']);
  assert.deepEqual(messagesAt(details, 'code'), []);
  assert.deepEqual(messagesAt(null, 'code'), []);
  assert.deepEqual(errorsUnder(details, 'form[2]'), { options: ['选择题至少需要两个选项'], 'options[0].value': ['此项为必填项'] });
  // form[1] must not catch form[12]
  assert.deepEqual(errorsUnder(details, 'form[1]'), {});
  assert.deepEqual(Object.keys(errorsUnder(details, 'form')).sort(), ['', '[12].name', '[2].options', '[2].options[0].value']);
  assert.equal(hasErrorsUnder(details, 'sections[0].entries[1]'), true);
  assert.equal(hasErrorsUnder(details, 'sections[0].entries[0]'), false);
});

test('paths read as Chinese locations', () => {
  assert.deepEqual(parsePath('sections[0].entries[1].item_code'), ['sections', 0, 'entries', 1, 'item_code']);
  assert.equal(describePath('sections[0].entries[1].item_code'), '第 1 个栏目 › 第 2 个入口 › 事项');
  assert.equal(describePath('form[2].options[0].value'), '第 3 个字段 › 第 1 个选项 › 选项值');
  assert.equal(describePath('official_account.button[0].sub_button[5].name'), '公众号菜单 › 第 1 个一级菜单 › 第 6 个二级菜单 › 名称');
  assert.equal(describePath('unknown_field'), 'unknown_field');
});

test('a summary line per message', () => {
  const lines = describeAll({ name: ['a', 'b'], 'form[0].label': ['c'] });
  assert.deepEqual(lines.map((l) => `${l.where}：${l.message}`), ['名称：a', '名称：b', '第 1 个字段 › 显示名称：c']);
});

test('error text and WeChat refusals', () => {
  assert.equal(errorText({ message: '菜单已被他人发布，请基于最新版本重新编辑' }), '菜单已被他人发布，请基于最新版本重新编辑');
  assert.equal(errorText('请选择日期'), '请选择日期');
  assert.equal(errorText({}), '操作失败，请稍后再试');
  assert.equal(wechatErrorLine({ details: { errcode: 40166, errmsg: 'invalid weapp appid' } }), '微信错误码 40166：invalid weapp appid');
  assert.equal(wechatErrorLine({ details: { current_version: 3 } }), '');
});
