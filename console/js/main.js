// Boot: one API client for the page, tokens in sessionStorage (gone when the tab closes).

import { createClient } from './api.js';
import App from './views/app.js';
import { store } from './views/store.js';

const { createApp } = window.Vue;

const api = createClient({
  fetchFn: (...args) => window.fetch(...args),
  storage: window.sessionStorage,
  onSessionEnd(message) {
    store.staff = null;
    store.reason = message; // shown on the login form
  },
});

const app = createApp(App);
app.provide('api', api);
app.mount('#app');
