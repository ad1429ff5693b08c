import { test } from 'node:test';
import assert from 'node:assert/strict';
import { entryHref, escapeHtml, firstScreenHtml, localStore, takeFirstMenu } from '../src/common/first-screen.js';
import { readElder, writeElder } from '../src/common/elder.js';
import { regionCookie } from '../src/common/places.js';

const icon = (name, color = '#0958d9') => `icon:${name}:${color}`;
const MENU = {
  sections: [
    { key: 'hot', title: '热门服务', entries: [
      { type: 'item', item_code: 'SB0001', title: '参保证明打印', icon: 'certificate', badge: 'hot' },
      { type: 'link', url: 'https://www.gov.cn/', title: '中国政府网' },
      { type: 'link', url: 'javascript:alert(1)', title: '坏链接' },
      { type: 'miniprogram', appid: 'wx1', path: 'pages/x', title: '<小程序>' },
    ] },
    { key: 'jt', title: '交通服务', entries: [{ type: 'item', item_code: 'JT 01&', title: '违法查询' }] },
  ],
};

function cells(html) {
  return [...html.matchAll(/<(a|span) class="fs-cell"( href="([^"]*)")?/g)].map((m) => m[3] || null);
}

test('menu entries become links to their pages; a script address or a mini-program is no link', () => {
  assert.equal(entryHref(MENU.sections[0].entries[0]), '#/pages/item/item?code=SB0001');
  assert.equal(entryHref(MENU.sections[1].entries[0]), '#/pages/item/item?code=JT%2001%26');
  assert.equal(entryHref(MENU.sections[0].entries[1]), 'https://www.gov.cn/');
  assert.equal(entryHref(MENU.sections[0].entries[2]), '');
  assert.equal(entryHref(MENU.sections[0].entries[3]), '');
  const html = firstScreenHtml({ menu: MENU, icon });
  assert.deepEqual(cells(html), ['#/pages/item/item?code=SB0001', 'https://www.gov.cn/', null, null, '#/pages/item/item?code=JT%2001%26']);
  assert.match(html, /<h2 class="fs-section-title">热门服务<\/h2>/);
  assert.match(html, /icon:award:#0958d9/); // the catalog's slug, as the app maps it
  assert.ok(!html.includes('<小程序>') && html.includes('&lt;小程序&gt;'));
  assert.match(html, /<span class="fs-badge">热<\/span>/);
});

test('signed out, 我的 entries and 登录 lead to the login page; signed in, to their pages', () => {
  const out = firstScreenHtml({ menu: MENU, icon });
  assert.equal((out.match(/href="#\/pages\/login\/login"/g) || []).length, 5);
  const signed = firstScreenHtml({ menu: MENU, icon, signedIn: true });
  assert.ok(!signed.includes('/pages/login/login') && signed.includes('href="#/pages/applications/list"'));
  assert.match(signed, /<a class="fs-tab fs-tab-current" href="#\/pages\/index\/index" aria-current="page">/);
});

test('长辈版 shows the most used items large instead of the grid, and the switch says it is on', () => {
  const html = firstScreenHtml({ menu: MENU, icon, elder: true, regionName: '滨江区' });
  assert.deepEqual(cells(html), []);
  assert.equal((html.match(/class="fs-elder-entry"/g) || []).length, 3); // two items and 全部服务
  assert.match(html, /role="switch" aria-checked="true"/);
  assert.match(html, /<a class="fs-region" href="#\/pages\/index\/index\?choose=region" aria-label="所在地区：滨江区，点按切换">/);
  assert.match(html, /滨江区 ▾/);
  assert.match(html, /^<div class="fs fs-elder-mode">/);
});

test('the first screen reads and writes uni-h5 storage as uni.setStorageSync does', () => {
  const kept = new Map();
  const ls = { getItem: (k) => (kept.has(k) ? kept.get(k) : null), setItem: (k, v) => kept.set(k, String(v)) };
  const store = localStore(ls);
  assert.equal(readElder(store), false);
  writeElder(store, true);
  assert.equal(kept.get('elder_mode'), '{"type":"boolean","data":true}');
  assert.equal(readElder(store), true);
  store.setStorageSync('region', '330108');
  assert.equal(kept.get('region'), '330108');
  assert.equal(store.getStorageSync('region'), '330108');
  kept.set('access_token', 'eyJ.x.y');
  assert.equal(store.getStorageSync('access_token'), 'eyJ.x.y');
  assert.equal(store.getStorageSync('missing'), '');
});

test('the home page takes the page menu once, and only for the region this device chose', () => {
  const doc = (text) => {
    let node = { textContent: text, remove() { node = null; } };
    return { getElementById: () => node };
  };
  const page = doc(JSON.stringify({ region: null, region_name: '', menu: MENU }));
  assert.deepEqual(takeFirstMenu(page, ''), MENU);
  assert.equal(takeFirstMenu(page, ''), null); // a refresh asks the server
  assert.equal(takeFirstMenu(doc(JSON.stringify({ region: '330108', menu: MENU })), ''), null);
  assert.deepEqual(takeFirstMenu(doc(JSON.stringify({ region: '330108', menu: MENU })), '330108'), MENU);
  assert.equal(takeFirstMenu(doc('{broken'), ''), null);
  assert.equal(takeFirstMenu(null, ''), null);
});

test('the region cookie carries six digits or is removed', () => {
  assert.equal(regionCookie('330108'), 'h5_region=330108; Path=/; Max-Age=31536000; SameSite=Lax');
  assert.equal(regionCookie('330108', true), 'h5_region=330108; Path=/; Max-Age=31536000; SameSite=Lax; Secure');
  assert.equal(regionCookie(''), 'h5_region=; Path=/; Max-Age=0; SameSite=Lax');
  assert.equal(regionCookie('1; Domain=evil'), 'h5_region=; Path=/; Max-Age=0; SameSite=Lax');
  assert.equal(escapeHtml(`"'<>&`), '&quot;&#39;&lt;&gt;&amp;');
});

test('the build moves the stylesheets after the first screen script, which replaces its mark', async () => {
  const { afterFirstScreen } = await import('../first-screen.js');
  const html = '<head><link rel="stylesheet" href="./assets/uni.css">\n<link rel="stylesheet" crossorigin href="./assets/index-A.css">\n'
    + '<link rel="modulepreload" href="./assets/x.js"></head><body><div id="app"></div><!--first-screen-script--></body>';
  const out = afterFirstScreen(html, 'draw()');
  assert.ok(!out.includes('<!--first-screen-script-->'));
  const head = out.slice(0, out.indexOf('</head>'));
  assert.ok(!head.includes('stylesheet') && head.includes('modulepreload'));
  assert.ok(out.indexOf('<script>draw()</script>') < out.indexOf('href="./assets/uni.css"'));
  assert.ok(out.indexOf('href="./assets/uni.css"') < out.indexOf('href="./assets/index-A.css"'));
});
