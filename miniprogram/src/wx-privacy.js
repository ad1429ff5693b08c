// WeChat's privacy authorisation (《小程序隐私保护指引》): when a privacy API (choosing a photo or a
// chat file…) is called before the user agreed, the base library (2.32.3+) pends it and fires
// wx.onNeedPrivacyAuthorization; our own popup (components/privacy-popup.vue) shows the guideline
// and, after a tap on its <button open-type="agreePrivacyAuthorization" id="agree-btn">, resolves
// with { buttonId, event: 'agree' } (the base library checks that button was tapped), or with
// { event: 'disagree' }, which fails the pended API. App.vue registers the listener on mp-weixin.
import { ref } from 'vue';

export const AGREE_BUTTON_ID = 'privacy-agree-btn';

const request = ref(null); // { resolve, referrer } while a privacy API waits for the answer

export function usePrivacyRequest() {
  return request;
}

export function listenForPrivacyAuthorization(wxApi) {
  if (!wxApi || typeof wxApi.onNeedPrivacyAuthorization !== 'function') return false; // older base library
  wxApi.onNeedPrivacyAuthorization((resolve, eventInfo) => {
    request.value = { resolve, referrer: (eventInfo && eventInfo.referrer) || '' };
    resolve({ event: 'exposureAuthorization' }); // tell the platform our popup is showing
  });
  return true;
}

export function answerPrivacy(agreed) {
  const pending = request.value;
  request.value = null;
  if (!pending) return;
  pending.resolve(agreed ? { buttonId: AGREE_BUTTON_ID, event: 'agree' } : { event: 'disagree' });
}
