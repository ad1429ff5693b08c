// Subscribe messages after a submit: ask the platform (wx / my.requestSubscribeMessage), then tell
// the server what the resident accepted (POST /api/v1/me/subscriptions). Platform calls are
// injected, so the same code runs on both mini-programs and in node --test; h5 asks nothing.

const MAX_PER_CALL = 3; // WeChat's limit per requestSubscribeMessage call

// templates: [{ id, kind: 'one-time' | 'long-term' }] for this channel.
// The options for uni.requestSubscribeMessage, or null when the channel has none (h5 / app).
export function subscribeOptions(channel, templates) {
  const ids = (templates || []).map((t) => t.id).filter(Boolean).slice(0, MAX_PER_CALL);
  if (ids.length === 0) return null;
  if (channel === 'wechat') return { tmplIds: ids };
  if (channel === 'alipay') return { entityIds: ids }; // Alipay names them entityIds
  return null;
}

// The accepted templates in the body shape of POST /api/v1/me/subscriptions.
export function acceptedTemplates(channel, result, templates) {
  const kinds = new Map((templates || []).map((t) => [t.id, t.kind || 'one-time']));
  let ids = [];
  if (channel === 'wechat') {
    // { [tmplId]: 'accept' | 'reject' | 'ban' | 'filter', errMsg }
    ids = [...kinds.keys()].filter((id) => result && result[id] === 'accept');
  } else if (channel === 'alipay') {
    const r = (result && result.result) || result || {};
    ids = (r.subscribeEntityIds || r.currentSubscribedEntityIds || []).filter((id) => kinds.has(id));
  }
  return ids.map((id) => ({ template: id, kind: kinds.get(id) }));
}

function ask(requestSubscribeMessage, options) {
  return new Promise((resolve) => {
    try {
      requestSubscribeMessage({
        ...options,
        success: (res) => resolve(res),
        // Declined, or the user closed the sheet: nothing accepted.
        fail: () => resolve(null),
      });
    } catch {
      resolve(null); // an old base library without the API
    }
  });
}

// Never throws: the application went in already, a subscription problem must not hide that.
// Returns { asked, accepted, error } for the caller (and tests).
export async function requestSubscriptions({ channel, templates, requestSubscribeMessage, post }) {
  const options = subscribeOptions(channel, templates);
  if (!options || typeof requestSubscribeMessage !== 'function') return { asked: false, accepted: [], error: null };
  const result = await ask(requestSubscribeMessage, options);
  const accepted = acceptedTemplates(channel, result, templates);
  if (accepted.length === 0) return { asked: true, accepted, error: null };
  try {
    await post('/api/v1/me/subscriptions', { channel, accepted });
    return { asked: true, accepted, error: null };
  } catch (error) {
    return { asked: true, accepted, error };
  }
}
