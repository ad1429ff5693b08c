// The WeChat official-account menu (公众号菜单) of the wechat channel. The limits mirror
// models/wxmenu.py (WeChat's custom-menu rules; the API does not publish them), so the editor
// can count them live; the server checks again on validate and publish, and WeChat last.

import { utf8Bytes } from './format.js';

export const TOP_MAX = 3;
export const SUB_MAX = 5;
export const TOP_NAME_BYTES = 16;
export const SUB_NAME_BYTES = 60;
export const KEY_BYTES = 128;
export const URL_BYTES = 1024;

export const TYPE_LABELS = {
  click: '点击推事件', view: '跳转网页', miniprogram: '打开小程序', scancode_push: '扫码推事件',
  scancode_waitmsg: '扫码带提示', pic_sysphoto: '系统拍照发图', pic_photo_or_album: '拍照或相册发图',
  pic_weixin: '微信相册发图', location_select: '发送位置',
};
const KEY_TYPES = new Set(['click', 'scancode_push', 'scancode_waitmsg', 'pic_sysphoto', 'pic_photo_or_album',
  'pic_weixin', 'location_select']);

/** The fields a leaf button of this type needs. */
export function fieldsFor(type) {
  if (KEY_TYPES.has(type)) return ['key'];
  if (type === 'view') return ['url'];
  if (type === 'miniprogram') return ['url', 'appid', 'pagepath'];
  return [];
}

export const blankMenu = () => ({ button: [blankButton(true)] });

export function blankButton(top = false) {
  return { name: top ? '菜单' : '子菜单', type: 'click', key: '' };
}

/** A leaf button with only the fields its type uses (WeChat refuses unknown ones). */
export function cleanLeaf(button) {
  const out = { type: button.type, name: button.name };
  for (const key of fieldsFor(button.type)) out[key] = button[key] ?? '';
  return out;
}

/** Turn a top-level button into a group of sub-buttons, or back into a leaf. */
export function toGroup(button) {
  const first = cleanLeaf({ ...blankButton(false), ...button, name: blankButton(false).name });
  return { name: button.name, sub_button: [first] };
}

export function toLeaf(button) {
  return cleanLeaf({ ...blankButton(true), name: button.name });
}

/** Live counters: [{label, used, limit, over}] for the numbers WeChat limits. */
export function nameUsage(name, top) {
  const limit = top ? TOP_NAME_BYTES : SUB_NAME_BYTES;
  const used = utf8Bytes(name);
  return { used, limit, over: used > limit };
}

/** {path: [message]} with the server's messages (models/wxmenu.check_official_account). */
export function check(menu, path = 'official_account') {
  const errors = {};
  if (!menu || !Array.isArray(menu.button)) return { [path]: ['公众号菜单应为包含 button 列表的对象'] };
  if (menu.button.length < 1 || menu.button.length > TOP_MAX) errors[`${path}.button`] = [`一级菜单须为 1 到 ${TOP_MAX} 个`];
  menu.button.forEach((b, i) => checkButton(b, `${path}.button[${i}]`, true, errors));
  return errors;
}

function checkButton(button, path, top, errors) {
  const limit = top ? TOP_NAME_BYTES : SUB_NAME_BYTES;
  const name = button.name;
  if (typeof name !== 'string' || !name.trim()) errors[`${path}.name`] = ['菜单名称不能为空'];
  else if (utf8Bytes(name) > limit) errors[`${path}.name`] = [`${top ? '一' : '二'}级菜单名称不能超过 ${limit} 字节（汉字按 3 字节计）`];
  if ('sub_button' in button) {
    const subs = button.sub_button;
    if (!top) {
      errors[`${path}.sub_button`] = ['公众号菜单最多两级'];
      return;
    }
    if (!Array.isArray(subs) || subs.length < 1 || subs.length > SUB_MAX) {
      errors[`${path}.sub_button`] = [`二级菜单须为 1 到 ${SUB_MAX} 个`];
      return;
    }
    subs.forEach((s, j) => checkButton(s, `${path}.sub_button[${j}]`, false, errors));
    return;
  }
  if (!(button.type in TYPE_LABELS)) {
    errors[`${path}.type`] = ['菜单类型须为 click、view、miniprogram 等微信支持的类型'];
    return;
  }
  if (KEY_TYPES.has(button.type)) checkText(button, 'key', KEY_BYTES, path, errors);
  if (button.type === 'view' || button.type === 'miniprogram') {
    const url = button.url;
    if (typeof url !== 'string' || !/^https?:\/\//.test(url)) errors[`${path}.url`] = ['须填写以 http:// 或 https:// 开头的网址'];
    else if (utf8Bytes(url) > URL_BYTES) errors[`${path}.url`] = [`网址不能超过 ${URL_BYTES} 字节`];
  }
  if (button.type === 'miniprogram') {
    checkText(button, 'appid', 64, path, errors);
    checkText(button, 'pagepath', 256, path, errors);
  }
}

function checkText(button, key, limit, path, errors) {
  const value = button[key];
  if (typeof value !== 'string' || !value) errors[`${path}.${key}`] = ['此项为必填项'];
  else if (utf8Bytes(value) > limit) errors[`${path}.${key}`] = [`不能超过 ${limit} 字节`];
}
