// Channel menus in the editor: blank sections and entries, the resident's view of a draft
// (the same rules as models/menus.render), and the publish diff in Chinese sentences.

export const ENTRY_TYPE_LABELS = { item: '服务事项', link: '网页链接', miniprogram: '小程序' };

const clone = (v) => JSON.parse(JSON.stringify(v));

export function blankEntry(type = 'item') {
  return { type, item_code: '', title: '', url: '', appid: '', path: '', icon: 'default', badge: null,
    visibility: { regions: [], realname_required: false } };
}

export function blankSection(existing = []) {
  const keys = new Set(existing.map((s) => s.key));
  let n = existing.length + 1;
  while (keys.has(`section-${n}`)) n += 1;
  return { key: `section-${n}`, title: '新栏目', icon: 'default', entries: [] };
}

/** The draft as the editor holds it: every optional entry field present (as '' when unset). */
export function toEditable(menu) {
  const m = clone(menu || { sections: [], official_account: null });
  return {
    sections: (m.sections || []).map((s) => ({ ...s, entries: (s.entries || []).map((e) => ({ ...blankEntry(e.type), ...e,
      visibility: { regions: [], realname_required: false, ...(e.visibility || {}) } })) })),
    official_account: m.official_account ?? null,
  };
}

// The fields each entry type uses; others are left out so MenuSchema sees only what applies.
const ENTRY_FIELDS = { item: ['item_code', 'title'], link: ['title', 'url'], miniprogram: ['title', 'appid', 'path'] };

/** The editor's model -> MenuSchema's shape (blank optional fields dropped). */
export function toPayload(menu) {
  return {
    sections: menu.sections.map((s) => ({
      key: s.key.trim(), title: s.title.trim(), icon: s.icon || 'default',
      entries: s.entries.map((e) => {
        const out = { type: e.type, icon: e.icon || 'default', badge: e.badge || null,
          visibility: { regions: [...(e.visibility?.regions || [])], realname_required: Boolean(e.visibility?.realname_required) } };
        for (const key of ENTRY_FIELDS[e.type] || []) {
          const value = String(e[key] ?? '').trim();
          if (value) out[key] = value;
        }
        return out;
      }),
    })),
    official_account: menu.official_account ? clone(menu.official_account) : null,
  };
}

/** Why an item entry would not be shown to residents of this channel ('' when it is shown). */
export function hiddenReason(entry, items, channel) {
  if (entry.type !== 'item') return '';
  const item = items[entry.item_code];
  if (!entry.item_code) return '未选择事项';
  if (!item) return `事项 ${entry.item_code} 不存在`;
  if (item.status !== 'published') return `事项 ${entry.item_code} 未发布`;
  if (!(item.channels || []).includes(channel)) return `事项 ${entry.item_code} 未在该渠道提供`;
  return '';
}

/**
 * What residents will see: sections with their visible entries (titles resolved from items),
 * empty sections left out, and the entries that will be hidden with the reason.
 */
export function preview(menu, items, channel) {
  const sections = [];
  const hidden = [];
  for (const section of menu.sections || []) {
    const entries = [];
    for (const entry of section.entries || []) {
      const reason = hiddenReason(entry, items, channel);
      const title = entry.title || (entry.type === 'item' ? items[entry.item_code]?.name : '') || '';
      if (reason) hidden.push({ section: section.title, title: title || entry.item_code || '（未命名）', reason });
      else if (title) entries.push({ title, badge: entry.badge || null, type: entry.type, realname: Boolean(entry.visibility?.realname_required) });
      else hidden.push({ section: section.title, title: '（未命名）', reason: '缺少标题' });
    }
    if (entries.length) sections.push({ key: section.key, title: section.title, entries });
  }
  return { sections, hidden };
}

/** A readable name for a diff's entry id (an item code, or "link:标题" / "miniprogram:标题"). */
export function entryName(id, items = {}) {
  const [type, ...rest] = String(id).split(':');
  if (rest.length && ENTRY_TYPE_LABELS[type]) return `${ENTRY_TYPE_LABELS[type]}「${rest.join(':')}」`;
  const item = items[id];
  return item ? `${item.name}（${id}）` : String(id);
}

function sectionTitle(key, ...menus) {
  for (const menu of menus) {
    const found = (menu?.sections || []).find((s) => s.key === key);
    if (found) return found.title;
  }
  return key;
}

/**
 * The server's diff (models/menus.diff) as sentences. `before` and `after` are the two menus when
 * known (for section titles); without them keys are shown.
 */
export function describeDiff(diff, { before = null, after = null, items = {} } = {}) {
  if (!diff) return [];
  const lines = [];
  const names = (ids) => ids.map((id) => entryName(id, items)).join('、');
  // The server's diff carries each section's titles (older diffs do not): they stand in for a missing menu.
  const titles = diff.titles || {};
  const recorded = (key, side) => ({ sections: titles[key]?.[side] ? [{ key, title: titles[key][side] }] : [] });
  const newTitle = (key) => sectionTitle(key, after, recorded(key, 'after'), before, recorded(key, 'before'));
  const oldTitle = (key) => sectionTitle(key, before, recorded(key, 'before'), after);
  for (const key of diff.sections_added || []) lines.push(`新增栏目「${newTitle(key)}」`);
  for (const key of diff.sections_removed || []) lines.push(`删除栏目「${oldTitle(key)}」`);
  for (const change of diff.sections_changed || []) {
    const title = newTitle(change.key);
    const known = before || titles[change.key]?.before;
    const parts = [];
    if (change.title_changed) parts.push(known ? `名称由「${oldTitle(change.key)}」改为「${title}」` : '修改了名称');
    if (change.entries_added?.length) parts.push(`新增入口 ${names(change.entries_added)}`);
    if (change.entries_removed?.length) parts.push(`移除入口 ${names(change.entries_removed)}`);
    if (change.entries_changed?.length) parts.push(`修改入口 ${names(change.entries_changed)}`);
    if (change.reordered) parts.push('调整了入口顺序');
    lines.push(`栏目「${title}」：${parts.join('；')}`);
  }
  if (diff.sections_reordered) lines.push('调整了栏目顺序');
  if (diff.official_account_changed) lines.push('公众号菜单有变更（发布时同步到微信）');
  return lines;
}

/** Whether a diff changes anything at all. */
export function isEmptyDiff(diff) {
  return describeDiff(diff).length === 0;
}
