// Stand-in for @dcloudio/uni-app's page hooks: each registers on the component being set up;
// mountPage() (helpers.js) then fires onLoad/onShow like uni's router would.
import { getCurrentInstance } from 'vue';

const HOOKS = ['onLoad', 'onShow', 'onHide', 'onUnload', 'onPullDownRefresh', 'onReachBottom', 'onReady'];

function register(name) {
  return (fn) => {
    const instance = getCurrentInstance();
    if (!instance) throw new Error(`${name} called outside setup()`);
    const hooks = instance.__pageHooks || (instance.__pageHooks = {});
    (hooks[name] || (hooks[name] = [])).push(fn);
  };
}

export const onLoad = register('onLoad');
export const onShow = register('onShow');
export const onHide = register('onHide');
export const onUnload = register('onUnload');
export const onPullDownRefresh = register('onPullDownRefresh');
export const onReachBottom = register('onReachBottom');
export const onReady = register('onReady');
export { HOOKS };
