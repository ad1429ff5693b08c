import { createSSRApp } from 'vue';
import App from './App.vue';

// #ifdef H5
// The app shell works offline once the service worker (built by vite.config.js) has it.
if (typeof navigator !== 'undefined' && 'serviceWorker' in navigator) {
  window.addEventListener('load', () => { navigator.serviceWorker.register('./sw.js').catch(() => {}); });
}
// #endif

export function createApp() {
  const app = createSSRApp(App);
  return { app };
}
