import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { blankEntry, blankSection, describeDiff, entryName, hiddenReason, isEmptyDiff, preview, toEditable, toPayload } from '../js/menu.js';

const demoMenus = JSON.parse(readFileSync(new URL('../../models/demo/menus.json', import.meta.url), 'utf8'));
const demoItems = JSON.parse(readFileSync(new URL('../../models/demo/items.json', import.meta.url), 'utf8'));
const items = Object.fromEntries(demoItems.map((i) => [i.code, i]));

test('every demo menu comes back unchanged through the editor', () => {
  for (const [channel, menu] of Object.entries(demoMenus)) {
    const expected = { official_account: null, ...menu };
    assert.deepEqual(toPayload(toEditable(menu)), expected, channel);
  }
});

test('an entry sends only the fields of its type', () => {
  const entry = { ...blankEntry('link'), title: ' 政策 ', url: 'https://x.gov.cn/', item_code: 'SB0001', appid: 'wx123456' };
  const menu = { sections: [{ key: 'k', title: '栏目', icon: 'default', entries: [entry] }], official_account: null };
  assert.deepEqual(toPayload(menu).sections[0].entries[0], { type: 'link', icon: 'default', badge: null, title: '政策',
    url: 'https://x.gov.cn/', visibility: { regions: [], realname_required: false } });
  // an item entry without its own title takes the item's name (the server fills it in)
  const itemEntry = toPayload({ ...menu, sections: [{ ...menu.sections[0], entries: [{ ...blankEntry(), item_code: 'SB0001' }] }] });
  assert.equal('title' in itemEntry.sections[0].entries[0], false);
});

test('new sections get a key not used yet', () => {
  assert.equal(blankSection([{ key: 'section-2' }, { key: 'hot' }]).key, 'section-3');
});

test('the preview shows what residents of the channel will see', () => {
  const app = demoMenus.app;
  const view = preview(app, items, 'app');
  assert.deepEqual(view.sections.map((s) => s.title), app.sections.map((s) => s.title));
  const first = app.sections[0].entries[0];
  assert.equal(view.sections[0].entries[0].title, items[first.item_code].name);
  assert.equal(view.sections[0].entries[0].badge, first.badge);
  assert.deepEqual(view.hidden, []);
});

test('the preview hides entries of missing, unpublished or other-channel items, and empty sections', () => {
  const draftItem = demoItems.find((i) => i.status !== 'published');
  const wechatOnly = { ...demoItems[0], code: 'ZZ0001', channels: ['wechat'] };
  const menu = { sections: [
    { key: 'a', title: '甲', entries: [{ type: 'item', item_code: 'NOPE01' }, { type: 'item', item_code: draftItem.code },
      { type: 'item', item_code: 'ZZ0001' }] },
    { key: 'b', title: '乙', entries: [{ type: 'item', item_code: 'SB0001', title: '自定义标题', badge: '新' },
      { type: 'link', title: '', url: 'https://x.gov.cn/' }] },
  ] };
  const view = preview(menu, { ...items, ZZ0001: wechatOnly }, 'app');
  assert.deepEqual(view.sections.map((s) => s.title), ['乙']);
  assert.deepEqual(view.sections[0].entries, [{ title: '自定义标题', badge: '新', type: 'item', realname: false }]);
  assert.deepEqual(view.hidden.map((h) => h.reason), ['事项 NOPE01 不存在', `事项 ${draftItem.code} 未发布`,
    '事项 ZZ0001 未在该渠道提供', '缺少标题']);
  assert.equal(hiddenReason({ type: 'item', item_code: '' }, items, 'app'), '未选择事项');
});

test('the publish diff in sentences', () => {
  const before = { sections: [{ key: 'hot', title: '热门服务' }, { key: 'shebao', title: '社保服务' }, { key: 'old', title: '旧栏目' }] };
  const after = { sections: [{ key: 'shebao', title: '社保专区' }, { key: 'hot', title: '热门服务' }, { key: 'new', title: '新栏目' }] };
  const diff = {
    sections_added: ['new'], sections_removed: ['old'], sections_reordered: true, official_account_changed: true,
    sections_changed: [{ key: 'shebao', title_changed: true, entries_added: ['SB0001', 'link:人社政策'], entries_removed: ['SB0002'],
      entries_changed: [], reordered: true }],
  };
  assert.deepEqual(describeDiff(diff, { before, after, items }), [
    '新增栏目「新栏目」',
    '删除栏目「旧栏目」',
    `栏目「社保专区」：名称由「社保服务」改为「社保专区」；新增入口 ${items.SB0001.name}（SB0001）、网页链接「人社政策」；移除入口 ${items.SB0002.name}（SB0002）；调整了入口顺序`,
    '调整了栏目顺序',
    '公众号菜单有变更（发布时同步到微信）',
  ]);
  // without the menus (the audit log): keys, and a plain note for a renamed section
  assert.equal(describeDiff({ sections_changed: [{ key: 'shebao', title_changed: true }] })[0], '栏目「shebao」：修改了名称');
  // the titles the server records in the diff stand in for the menus
  assert.deepEqual(describeDiff({
    sections_added: ['new'], sections_removed: ['old'], sections_changed: [{ key: 'shebao', title_changed: true }],
    titles: { new: { before: null, after: '新栏目' }, old: { before: '旧栏目', after: null },
      shebao: { before: '社保服务', after: '社保专区' } },
  }), ['新增栏目「新栏目」', '删除栏目「旧栏目」', '栏目「社保专区」：名称由「社保服务」改为「社保专区」']);
  assert.equal(isEmptyDiff({ sections_added: [], sections_removed: [], sections_changed: [], sections_reordered: false,
    official_account_changed: false }), true);
  assert.equal(entryName('miniprogram:乘车码'), '小程序「乘车码」');
  assert.equal(entryName('XX0001', items), 'XX0001');
});
