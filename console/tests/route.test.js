import test from 'node:test';
import assert from 'node:assert/strict';
import { allowed, navFor, navName, parseRoute, refusal, routeFor } from '../js/route.js';

test('hash routes', () => {
  assert.deepEqual(parseRoute(''), { name: 'dashboard' });
  assert.deepEqual(parseRoute('#/dashboard'), { name: 'dashboard' });
  assert.deepEqual(parseRoute('#/items'), { name: 'items' });
  assert.deepEqual(parseRoute('#/items/new'), { name: 'item', code: null });
  assert.deepEqual(parseRoute('#/items/SB0001'), { name: 'item', code: 'SB0001' });
  assert.deepEqual(parseRoute('#/menus/app'), { name: 'menus', channel: 'app' });
  assert.deepEqual(parseRoute('#/menus/bogus'), { name: 'menus', channel: 'wechat' });
  assert.deepEqual(parseRoute('#/audit'), { name: 'audit' });
  assert.deepEqual(parseRoute('#/templates/alipay'), { name: 'templates', channel: 'alipay' });
  assert.deepEqual(parseRoute('#/templates/app'), { name: 'templates', channel: 'wechat' });
  assert.deepEqual(parseRoute('#/templates/wechat/new'), { name: 'template', channel: 'wechat', id: null });
  assert.deepEqual(parseRoute('#/templates/wechat/65a0f0c2e4b0a1b2c3d4e5f6'),
    { name: 'template', channel: 'wechat', id: '65a0f0c2e4b0a1b2c3d4e5f6' });
  assert.equal(navName({ name: 'template', channel: 'wechat', id: null }), 'templates');
  assert.deepEqual(parseRoute('#/nowhere'), { name: 'dashboard' });
  assert.equal(navName({ name: 'item', code: 'SB0001' }), 'items');
});

test('operators, processors and admins may use the console, each their own pages', () => {
  assert.equal(allowed({ role: 'operator' }), true);
  assert.equal(allowed({ role: 'admin' }), true);
  assert.equal(allowed({ role: 'processor' }), true);
  assert.equal(allowed({ role: 'supervisor' }), false);
  assert.equal(allowed(null), false);
  assert.equal(refusal({ role: 'inspector' }),
    '当前账号（执法队员）无权使用运营管理台，请使用运营人员、办件审核员或管理员账号登录。');
  assert.deepEqual(navFor({ role: 'processor' }).map((n) => n.name), ['desk', 'tickets', 'logins']);
  assert.ok(navFor({ role: 'operator' }).some((n) => n.name === 'reports'));
  assert.ok(!navFor({ role: 'processor' }).some((n) => n.name === 'reports'));
  assert.deepEqual(parseRoute('#/reports'), { name: 'reports' });
  assert.deepEqual(parseRoute('#/logins'), { name: 'logins' });
  assert.deepEqual(parseRoute('#/tickets/65a0f0c2e4b0a1b2c3d4e5f6'), { name: 'ticket', id: '65a0f0c2e4b0a1b2c3d4e5f6' });
  assert.ok(!navFor({ role: 'operator' }).some((n) => n.name === 'desk'));
  assert.ok(navFor({ role: 'admin' }).some((n) => n.name === 'desk'));
  assert.deepEqual(routeFor({ name: 'dashboard' }, { role: 'processor' }), { name: 'desk' });
  assert.deepEqual(routeFor({ name: 'desk' }, { role: 'operator' }), { name: 'dashboard' });
  assert.deepEqual(parseRoute('#/desk/SB20260101000001'), { name: 'application', number: 'SB20260101000001' });
  assert.equal(navName({ name: 'application', number: 'x' }), 'desk');
});
