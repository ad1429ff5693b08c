// Mount a page and drive it like uni's router: onLoad(query), then onShow.
import { flushPromises, mount } from '@vue/test-utils';

export async function mountPage(Page, query = {}) {
  const wrapper = mount(Page, { attachTo: document.body });
  await fire(wrapper, 'onLoad', query);
  await fire(wrapper, 'onShow');
  return wrapper;
}

export async function fire(wrapper, hook, arg) {
  const hooks = (wrapper.vm.$.__pageHooks || {})[hook] || [];
  for (const fn of hooks) await fn(arg);
  await settle();
}

// Let chained awaits (API answers, then re-renders) finish.
export async function settle() {
  for (let i = 0; i < 5; i += 1) await flushPromises();
}

export const texts = (wrapper, selector) => wrapper.findAll(selector).map((w) => w.text());
