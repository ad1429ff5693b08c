// Shared state of the running console: who is logged in, a notice line, and data several
// pages use (the OpenAPI document for field rules, the items list), loaded once.

import { SPEC_PATH } from '../schema.js';

const { reactive } = window.Vue;

// reason: why the login form is showing (session expired, logged out, account refused);
// unsaved: set by an editor with changes not yet saved, so leaving it asks first.
export const store = reactive({ staff: null, reason: '', notice: '', spec: null, items: null, unsaved: false });

export const LEAVE_QUESTION = '当前页面有未保存的修改，离开将丢弃这些修改，确定离开吗？';

/** Keep store.unsaved in step with an editor's dirty flag, and warn before the tab is closed. */
export function guardUnsaved(isDirty) {
  const { watch, onMounted, onBeforeUnmount } = window.Vue;
  const warn = (event) => {
    if (isDirty()) event.preventDefault();
  };
  watch(isDirty, (dirty) => { store.unsaved = dirty; });
  onMounted(() => window.addEventListener('beforeunload', warn));
  onBeforeUnmount(() => {
    window.removeEventListener('beforeunload', warn);
    store.unsaved = false;
  });
}

export async function loadSpec(api) {
  if (!store.spec) store.spec = (await api.get(SPEC_PATH, { auth: false })).data;
  return store.spec;
}

/** All items in any status (GET /api/v1/admin/items), cached until `force`. */
export async function loadItems(api, force = false) {
  if (!store.items || force) store.items = (await api.get('/api/v1/admin/items')).data.items;
  return store.items;
}

/** {code: item} of the loaded items. */
export function itemsByCode() {
  return Object.fromEntries((store.items || []).map((i) => [i.code, i]));
}

/** Show a short confirmation line at the top of the page for a few seconds. */
let noticeTimer = null;
export function notify(text) {
  store.notice = text;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => { store.notice = ''; }, 6000);
}
