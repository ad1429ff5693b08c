// Small shared pieces: field messages, error banners, a confirmation dialog, a length counter.

import { describeAll, describePath, errorText, errorsUnder, messagesAt } from '../errors.js';

export const FieldError = {
  props: { errors: Object, path: String },
  computed: { messages() { return messagesAt(this.errors, this.path); } },
  template: `<p v-for="m in messages" class="field-error" role="alert">{{ m }}</p>`,
};

/** An API error's Chinese message; with `summary`, every field message with its location. */
export const ErrorBanner = {
  props: { error: [Object, String, Error], summary: Boolean },
  computed: {
    text() { return errorText(this.error); },
    lines() { return this.summary && this.error && this.error.details ? describeAll(this.error.details) : []; },
  },
  template: `<div v-if="error" class="alert alert-error" role="alert">
    <strong>{{ text }}</strong>
    <ul v-if="lines.length"><li v-for="l in lines" :key="l.path + l.message">{{ l.where }}：{{ l.message }}</li></ul>
    <slot></slot>
  </div>`,
};

export const ConfirmDialog = {
  props: { open: Boolean, title: String, confirmText: { type: String, default: '确认' }, busy: Boolean, danger: Boolean },
  emits: ['confirm', 'cancel'],
  template: `<div v-if="open" class="overlay" @keydown.esc="$emit('cancel')">
    <div class="dialog" role="dialog" aria-modal="true" :aria-label="title">
      <h3>{{ title }}</h3>
      <div class="dialog-body"><slot></slot></div>
      <div class="dialog-actions">
        <button type="button" class="btn" @click="$emit('cancel')" :disabled="busy">取消</button>
        <button type="button" class="btn" :class="danger ? 'btn-danger' : 'btn-primary'" @click="$emit('confirm')" :disabled="busy">
          {{ busy ? '处理中…' : confirmText }}</button>
      </div>
    </div>
  </div>`,
};

/** "12 / 16 字节": red when over the limit. */
export const Counter = {
  props: { used: Number, limit: Number, unit: { type: String, default: '字' } },
  template: `<span class="counter" :class="{ over: limit !== null && used > limit }">{{ used }} / {{ limit }} {{ unit }}</span>`,
};

/** Every message at or under `prefix`, each with where it is ("标题：此项为必填项"). */
export const ErrorsUnder = {
  props: { errors: Object, prefix: String },
  computed: {
    lines() {
      return Object.entries(errorsUnder(this.errors, this.prefix)).flatMap(([sub, messages]) =>
        [].concat(messages).map((m) => (sub ? `${describePath(sub.replace(/^\./, ''))}：${m}` : String(m))));
    },
  },
  template: `<p v-for="l in lines" :key="l" class="field-error" role="alert">{{ l }}</p>`,
};

/** Save a downloaded file under `name` (a temporary link with `download`; the URL freed after). */
export function saveFile(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}
