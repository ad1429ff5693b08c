// Inlined into the built index.html (first-screen.js, the Vite plugin) right after #app: draws the
// home page's first screen from the page's own data while the app's scripts load. Nothing here may
// throw into the page: on any doubt the skeleton stays and the app draws the page as before.
import { DATA_ID, firstScreenHtml, localStore } from './common/first-screen.js';
import { readElder, writeElder } from './common/elder.js';
import { readRegion } from './common/places.js';
import { STORAGE_KEYS } from './common/session.js';
import { iconSrc } from './icons.js';

function draw(root, data, store) {
  const elder = readElder(store);
  root.innerHTML = firstScreenHtml({
    menu: data.menu,
    regionName: data.region_name,
    elder,
    signedIn: Boolean(store.getStorageSync(STORAGE_KEYS.accessToken)),
    icon: iconSrc,
  });
  const button = root.querySelector('.fs-elder');
  button.addEventListener('click', () => {
    writeElder(store, !readElder(store)); // the app reads the same key when it starts
    draw(root, data, store);
    root.querySelector('.fs-elder').focus();
  });
}

try {
  const node = document.getElementById(DATA_ID);
  const root = document.getElementById('app');
  const store = localStore(window.localStorage);
  // A home page link only: a deep link (#/pages/...) opens its own page when the app starts.
  const home = !window.location.hash || window.location.hash === '#/' || window.location.hash.startsWith('#/pages/index/index');
  if (node && root && home) {
    const data = JSON.parse(node.textContent);
    if ((data.region || '') === readRegion(store) && data.menu) draw(root, data, store);
  }
} catch (e) {
  // storage blocked, bad data: the skeleton stays
}
