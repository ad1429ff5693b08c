import { defineConfig } from 'vite';
import uniModule from '@dcloudio/vite-plugin-uni';
import { firstScreen } from './first-screen.js';

// The plugin is published as CommonJS: under "type": "module" its default export may arrive wrapped.
const uni = uniModule.default || uniModule;

export default defineConfig({
  plugins: [uni(), firstScreen()],
});
