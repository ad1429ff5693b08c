// The unread message count behind the tab bar's badge: one value for every page, read from
// GET /api/v1/me/inbox when a tab page shows, and set by the inbox page as messages are read.
import { ref } from 'vue';
import { api, loggedIn } from './api.js';

const unread = ref(0);

export function useUnread() {
  return unread;
}

export function setUnread(n) {
  unread.value = Math.max(0, Number(n) || 0);
}

export async function refreshUnread() {
  if (!loggedIn()) return setUnread(0);
  try {
    const answer = await api.get('/api/v1/me/inbox');
    setUnread(answer && answer.unread);
  } catch (e) {
    // the badge stays as it was; the inbox page shows errors
  }
}
