// The app-wide 长辈版 switch: one reactive value shared by every page (each page's root gets the
// `elder` class from it), read from uni storage once and written on each change.
import { ref } from 'vue';
import { readElder, writeElder } from './common/elder.js';

const store = {
  getStorageSync: (key) => uni.getStorageSync(key),
  setStorageSync: (key, value) => uni.setStorageSync(key, value),
};

// The font size the resident set in WeChat (0 elsewhere: h5 follows the browser's own zoom).
function systemFontSize() {
  let size = 0;
  // #ifdef MP-WEIXIN
  try {
    size = (wx.getAppBaseInfo ? wx.getAppBaseInfo() : wx.getSystemInfoSync()).fontSizeSetting || 0;
  } catch (e) {
    size = 0;
  }
  // #endif
  return size;
}

const elder = ref(typeof uni === 'undefined' ? false : readElder(store, systemFontSize()));

export function useElder() {
  return elder;
}

export function setElder(on) {
  elder.value = writeElder(store, on);
  return elder.value;
}
