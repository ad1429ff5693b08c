// Page tests (tests/pages/*.spec.js): the .vue files compiled by @vitejs/plugin-vue alone, uni's
// built-in tags left as custom elements, `uni` and the API client mocked (tests/pages/setup.js).
// node --test keeps tests/*.test.js; vitest never picks those up.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import vue from '@vitejs/plugin-vue';

const UNI_TAGS = new Set([
  'view', 'text', 'image', 'picker', 'scroll-view', 'swiper', 'swiper-item', 'block', 'navigator',
  'rich-text', 'switch', 'checkbox', 'checkbox-group', 'radio', 'radio-group', 'icon', 'progress', 'web-view',
]);

export default defineConfig({
  plugins: [vue({ template: { compilerOptions: { isCustomElement: (tag) => UNI_TAGS.has(tag) } } })],
  resolve: {
    alias: {
      '@dcloudio/uni-app': fileURLToPath(new URL('./tests/pages/uni-app-hooks.js', import.meta.url)),
    },
  },
  test: {
    include: ['tests/pages/**/*.spec.js'],
    environment: 'happy-dom',
    setupFiles: ['tests/pages/setup.js'],
    restoreMocks: true,
  },
});
