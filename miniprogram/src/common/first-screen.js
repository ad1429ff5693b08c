// The h5's first screen: the home page drawn as plain HTML from the menu the server put in the page
// (handlers/h5_page.py), by a small script inlined in index.html (first-screen-boot.js), before
// uni-h5's entry script has arrived. Real links (hash routes, which uni-h5 opens when it starts) and
// one real button (长辈版); Vue replaces it all when it mounts. Same words, sizes and colours as
// pages/index/index.vue, so nothing jumps when it does.
import { elderShortcuts } from './elder.js';
import { iconName } from './icons.js';

export const DATA_ID = 'first-screen-data';

const MINE = [
  ['applications', '我的办件', 'file-check', '/pages/applications/list'],
  ['inbox', '我的消息', 'bell', '/pages/inbox/inbox'],
  ['vehicles', '我的车辆', 'car', '/pages/vehicles/vehicles'],
  ['library', '我的材料库', 'file-text', '/pages/library/library'],
];
const TABS = [
  ['home', '首页', 'house', '/pages/index/index'],
  ['services', '办事', 'layout-grid', '/pages/services/services'],
  ['inbox', '消息', 'message-square', '/pages/inbox/inbox'],
  ['me', '我的', 'user-round', '/pages/me/me'],
];
const LOGIN = '/pages/login/login';
export const CHOOSE_REGION = '/pages/index/index?choose=region';
const BADGES = { new: '新', hot: '热' };

// uni-h5's storage format (uni.setStorageSync): a string as it is, anything else as {"type","data"}.
export function localStore(ls) {
  return {
    getStorageSync(key) {
      const raw = ls.getItem(key);
      if (raw === null) return '';
      try {
        const value = JSON.parse(raw);
        if (value && typeof value === 'object' && 'data' in value && typeof value.data === value.type) return value.data;
      } catch (e) {
        // a plain string
      }
      return raw;
    },
    setStorageSync(key, value) {
      ls.setItem(key, typeof value === 'string' ? value : JSON.stringify({ type: typeof value, data: value }));
    },
  };
}

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export function escapeHtml(text) {
  return String(text ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

const route = (path) => `#${path}`;

// Where a menu entry leads before the app runs: an item's page, or an https address; a
// mini-program entry means nothing in a browser (the app says so when tapped).
export function entryHref(entry) {
  if (entry.type === 'item' && entry.item_code) return route(`/pages/item/item?code=${encodeURIComponent(entry.item_code)}`);
  if (entry.type !== 'miniprogram' && /^https:\/\//.test(entry.url || '')) return entry.url;
  return '';
}

function link(cls, href, inner, extra = '') {
  return href
    ? `<a class="${cls}" href="${escapeHtml(href)}"${extra}>${inner}</a>`
    : `<span class="${cls}" aria-disabled="true"${extra}>${inner}</span>`;
}

function img(cls, src) {
  return `<img class="${cls}" src="${escapeHtml(src)}" alt="" aria-hidden="true">`;
}

function cell(entry, icon) {
  const badge = entry.badge ? `<span class="fs-badge">${escapeHtml(BADGES[entry.badge] || entry.badge)}</span>` : '';
  const inner = `<span class="fs-icon">${img('fs-icon-img', icon(iconName(entry)))}</span>`
    + `<span class="fs-title">${escapeHtml(entry.title)}</span>${badge}`;
  return link('fs-cell', entryHref(entry), inner);
}

function elderEntry(entry, icon) {
  return link('fs-elder-entry', entryHref(entry),
    `${img('fs-icon-img', icon(iconName(entry)))}<span class="fs-elder-entry-title">${escapeHtml(entry.title)}</span>`);
}

// The home page's first screen as HTML. `icon(name, color)` gives an icon's image source.
export function firstScreenHtml({ menu, regionName = '', elder = false, signedIn = false, icon }) {
  const sections = (menu && menu.sections) || [];
  const parts = ['<header class="fs-bar">政务服务</header>'];
  parts.push(`<div class="fs-top">${link('fs-search', route('/pages/search/search'),
    `${img('fs-search-icon', icon('search', '#4b5563'))}<span class="fs-search-text">搜索事项，如 sbk（社保卡）</span>`)}</div>`);
  parts.push(`<button type="button" class="fs-elder" role="switch" aria-checked="${elder}" aria-label="长辈版">`
    + `<span class="fs-elder-title">长辈版</span><span class="fs-elder-hint">${elder ? '已开启' : '字更大、按钮更大'}</span>`
    + `<span class="fs-switch${elder ? ' fs-switch-on' : ''}" aria-hidden="true"><span class="fs-knob"></span></span></button>`);
  // The app's home page opens its district picker for this link (pages/index/index.vue, onLoad).
  const region = escapeHtml(regionName || '全市');
  parts.push(link('fs-region', route(CHOOSE_REGION), `<span class="fs-region-title">所在地区</span>`
    + `<span class="fs-region-value">${region} ▾</span>`, ` aria-label="所在地区：${region}，点按切换"`));
  parts.push(`<nav class="fs-card fs-mine" aria-label="我的">${MINE.map(([, title, name, path]) =>
    link('fs-mine-entry', route(signedIn ? path : LOGIN), `${img('fs-icon-img', icon(name))}<span class="fs-title">${title}</span>`)).join('')}</nav>`);
  if (!signedIn) parts.push(`<div class="fs-login-row">${link('fs-login', route(LOGIN), '登录')}</div>`);
  if (elder) {
    const entries = elderShortcuts(sections, 6);
    if (entries.length) {
      parts.push(`<section class="fs-card"><h2 class="fs-section-title">常用服务</h2>${entries.map((e) => elderEntry(e, icon)).join('')}`
        + `${link('fs-elder-entry', route('/pages/services/services'), `${img('fs-icon-img', icon('layout-grid'))}<span class="fs-elder-entry-title">全部服务</span>`)}</section>`);
    }
  } else {
    for (const section of sections) {
      parts.push(`<section class="fs-card"><h2 class="fs-section-title">${escapeHtml(section.title)}</h2>`
        + `<div class="fs-grid">${(section.entries || []).map((e) => cell(e, icon)).join('')}</div></section>`);
    }
  }
  parts.push(`<nav class="fs-tabs" aria-label="主菜单">${TABS.map(([key, title, name, path]) =>
    link(`fs-tab${key === 'home' ? ' fs-tab-current' : ''}`, route(path),
      `${img('fs-tab-icon', icon(name, key === 'home' ? '#0958d9' : '#4b5563'))}<span class="fs-tab-title">${title}</span>`,
      key === 'home' ? ' aria-current="page"' : '')).join('')}</nav>`);
  return `<div class="fs${elder ? ' fs-elder-mode' : ''}">${parts.join('')}</div>`;
}

// The menu the page came with, for the home page's first load (once: a refresh asks the server),
// if it is the region this device chose.
export function takeFirstMenu(doc, region) {
  const node = doc && doc.getElementById(DATA_ID);
  if (!node) return null;
  node.remove();
  try {
    const data = JSON.parse(node.textContent);
    return (data.region || '') === (region || '') && data.menu ? data.menu : null;
  } catch (e) {
    return null;
  }
}
