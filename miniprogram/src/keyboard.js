// h5: Enter (and Space, for buttons, switches and tabs) operates an element that says it is a
// control (role="button" / "link" / "switch" / …, tabindex="0") but is not a native one — uni-app
// renders <view @click> as a div. Installed once (App.vue) on the document.
const ROLES = {
  button: ['Enter', ' '],
  switch: ['Enter', ' '],
  tab: ['Enter', ' '],
  radio: [' ', 'Enter'],
  checkbox: [' ', 'Enter'],
  menuitem: ['Enter', ' '],
  link: ['Enter'],
};
const NATIVE = new Set(['BUTTON', 'A', 'INPUT', 'TEXTAREA', 'SELECT']);

export function keyActivates(role, key) {
  return Boolean(ROLES[role] && ROLES[role].includes(key));
}

export function installKeyboardActivation(doc) {
  if (!doc || doc.__govKeys) return;
  doc.__govKeys = true;
  doc.addEventListener('keydown', (event) => {
    const target = event.target;
    if (!target || !target.getAttribute || NATIVE.has(target.tagName) || event.repeat) return;
    if (!keyActivates(target.getAttribute('role'), event.key)) return;
    if (target.getAttribute('aria-disabled') === 'true') return;
    event.preventDefault(); // Space would scroll the page
    target.click();
  });
}

// h5: uni-app puts an <input>'s attributes on its <uni-input> wrapper, so the real <input> (and
// <textarea>) inside has no name. Copy the wrapper's aria-label onto it as pages render.
export function installInputLabels(doc) {
  if (!doc || doc.__govLabels || typeof MutationObserver === 'undefined') return;
  doc.__govLabels = true;
  const apply = () => {
    for (const wrapper of doc.querySelectorAll('uni-input[aria-label], uni-textarea[aria-label]')) {
      const field = wrapper.querySelector('input, textarea');
      const label = wrapper.getAttribute('aria-label');
      if (field && field.getAttribute('aria-label') !== label) field.setAttribute('aria-label', label);
    }
  };
  new MutationObserver(apply).observe(doc.documentElement, { childList: true, subtree: true, attributes: true, attributeFilter: ['aria-label'] });
  apply();
}
