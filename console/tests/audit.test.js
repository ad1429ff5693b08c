import test from 'node:test';
import assert from 'node:assert/strict';
import { detailLines, targetName } from '../js/audit.js';

const items = { SB0001: { name: '个人参保信息查询' } };

test('targets by name', () => {
  assert.equal(targetName('menu:app'), 'App菜单');
  assert.equal(targetName('item:SB0001', items), '事项 SB0001 个人参保信息查询');
  assert.equal(targetName('item:XX0001', items), '事项 XX0001');
  assert.equal(targetName('resident:42'), 'resident:42');
  assert.equal(targetName('application:SB20260105000001'), '办件 SB20260105000001');
});

test('a menu publish with its diff', () => {
  const entry = { action: 'menu.publish', details: { version: 4, comment: '春节调整', rollback_of: null,
    diff: { sections_added: [], sections_removed: [], sections_reordered: false, official_account_changed: false,
      sections_changed: [{ key: 'hot', entries_added: ['SB0001'], entries_removed: [], entries_changed: [], reordered: false, title_changed: false }] } } };
  assert.deepEqual(detailLines(entry, items), ['版本 4', '说明：春节调整', '栏目「hot」：新增入口 个人参保信息查询（SB0001）']);
  const rollback = { action: 'menu.rollback', details: { version: 5, rollback_of: 2, comment: '', diff: {} } };
  assert.deepEqual(detailLines(rollback), ['版本 5（回滚到版本 2）', '与上一版本相同']);
});

test('item changes and WeChat refusals', () => {
  assert.deepEqual(detailLines({ action: 'item.update', details: { version: 3, changed: ['form', 'name', 'materials'] } }),
    ['版本 3', '修改：申请表单、名称、申请材料']);
  assert.deepEqual(detailLines({ action: 'item.create', details: { status: 'draft' } }), ['状态：草稿']);
  assert.deepEqual(detailLines({ action: 'menu.publish_rejected', details: { version: 2, error: '微信拒绝了公众号菜单（errcode 40166：invalid appid）' } }),
    ['版本 2 未发布：微信拒绝了公众号菜单（errcode 40166：invalid appid）']);
});

test('a processor\'s reveal names the fields it showed', () => {
  assert.deepEqual(detailLines({ action: 'application.reveal', details: { fields: ['contact_phone', 'mail_address'], department: 'rsj' } }),
    ['字段：contact_phone、mail_address']);
});

test('message templates in words', () => {
  assert.equal(targetName('message_template:wechat:TPL_APPLICATION_STATUS'), '微信消息模板 TPL_APPLICATION_STATUS');
  assert.deepEqual(detailLines({ action: 'message_template.update', details: { version: 2, changed: ['events', 'keys'] } }),
    ['版本 2', '修改：发送的事件、关键词']);
  assert.deepEqual(detailLines({ action: 'message_template.test_send', details: { to: 'o-1', event: 'application.accepted',
    status: 'permanent-failure', reason: 'no-quota (43101)' } }), ['发给 o-1（示例事件 application.accepted）', '未送达：no-quota (43101)']);
  assert.deepEqual(detailLines({ action: 'message_template.test_send', details: { to: 'o-1', event: 'application.accepted',
    status: 'accepted', reason: null } }), ['发给 o-1（示例事件 application.accepted）', '平台已受理']);
});
