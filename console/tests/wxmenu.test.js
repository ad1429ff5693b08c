import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { check, cleanLeaf, fieldsFor, nameUsage, toGroup, toLeaf } from '../js/wxmenu.js';

const demo = JSON.parse(readFileSync(new URL('../../models/demo/menus.json', import.meta.url), 'utf8')).wechat.official_account;

test('the demo official-account menu passes', () => {
  assert.deepEqual(check(demo), {});
});

test('WeChat limits with the server messages', () => {
  const leaf = (name) => ({ type: 'click', name, key: 'K' });
  assert.deepEqual(check({ button: [leaf('一'), leaf('二'), leaf('三'), leaf('四')] }),
    { 'official_account.button': ['一级菜单须为 1 到 3 个'] });
  assert.deepEqual(check({ button: [leaf('六个汉字名称')] }),
    { 'official_account.button[0].name': ['一级菜单名称不能超过 16 字节（汉字按 3 字节计）'] });
  const six = Array.from({ length: 6 }, (_, i) => leaf(`子${i}`));
  assert.deepEqual(check({ button: [{ name: '办事', sub_button: six }] }),
    { 'official_account.button[0].sub_button': ['二级菜单须为 1 到 5 个'] });
  assert.deepEqual(check({ button: [{ name: '办事', sub_button: [{ type: 'view', name: '', url: 'ftp://x' }] }] }), {
    'official_account.button[0].sub_button[0].name': ['菜单名称不能为空'],
    'official_account.button[0].sub_button[0].url': ['须填写以 http:// 或 https:// 开头的网址'],
  });
  assert.deepEqual(check({ button: [{ type: 'miniprogram', name: '小程序', url: 'https://x.cn' }] }), {
    'official_account.button[0].appid': ['此项为必填项'], 'official_account.button[0].pagepath': ['此项为必填项'],
  });
  assert.deepEqual(check({ button: [{ type: 'bogus', name: 'x' }] }),
    { 'official_account.button[0].type': ['菜单类型须为 click、view、miniprogram 等微信支持的类型'] });
  assert.deepEqual(check(null), { official_account: ['公众号菜单应为包含 button 列表的对象'] });
});

test('names are counted in UTF-8 bytes against the level limit', () => {
  assert.deepEqual(nameUsage('个人中心', true), { used: 12, limit: 16, over: false });
  assert.deepEqual(nameUsage('个人中心服务', true), { used: 18, limit: 16, over: true });
  assert.equal(nameUsage('个人中心服务', false).over, false);
});

test('changing a button type or level keeps only what WeChat accepts', () => {
  assert.deepEqual(fieldsFor('miniprogram'), ['url', 'appid', 'pagepath']);
  assert.deepEqual(cleanLeaf({ type: 'view', name: 'A', key: 'K', url: 'https://a' }), { type: 'view', name: 'A', url: 'https://a' });
  assert.deepEqual(cleanLeaf({ type: 'click', name: 'A', url: 'https://a' }), { type: 'click', name: 'A', key: '' });
  const group = toGroup({ type: 'click', name: '服务', key: 'K' });
  assert.equal(group.name, '服务');
  assert.equal(group.sub_button.length, 1);
  assert.equal('type' in group, false);
  assert.deepEqual(toLeaf(group), { type: 'click', name: '服务', key: '' });
});
