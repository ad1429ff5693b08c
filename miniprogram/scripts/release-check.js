// What a release build of the resident app refuses: an API base a phone cannot reach or a platform
// would reject (mini-programs call only https domains on the request allow-list, 服务器域名), and
// AppIDs still at their demo placeholders. Pure, so Node can test it; scripts/release.js runs it.
const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|0\.0\.0\.0|\[::1?\])$/i;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const PLACEHOLDER_APPIDS = new Set(['wxdemominiapp', 'touristappid', '']);
export const WECHAT_APPID = /^wx[0-9a-f]{16}$/;
export const ALIPAY_APPID = /^20\d{14}$/;
export const PLATFORMS = ['h5', 'mp-weixin', 'mp-alipay'];

export function apiBaseProblem(base, platform) {
  if (!base) {
    // h5 served by the API itself calls it on its own origin; a mini-program has no origin
    return platform === 'h5' ? null : 'VITE_API_BASE 未设置：小程序须指定 https 接口域名';
  }
  let url;
  try {
    url = new URL(base);
  } catch (e) {
    return `VITE_API_BASE 不是有效的网址：${base}`;
  }
  if (url.protocol !== 'https:') return `VITE_API_BASE 须为 https：${base}`;
  if (LOOPBACK.test(url.hostname)) return `VITE_API_BASE 指向本机（${url.hostname}），手机无法访问`;
  if (platform !== 'h5' && (IPV4.test(url.hostname) || url.hostname.startsWith('['))) {
    return `VITE_API_BASE 须为已备案并加入小程序“服务器域名”的域名，不能是 IP 地址：${url.hostname}`;
  }
  if (url.pathname !== '/' || url.search || url.hash) return `VITE_API_BASE 只写协议和域名（接口路径由应用自带）：${base}`;
  return null;
}

export function appidProblem(platform, env) {
  if (platform === 'mp-weixin') {
    const id = env.WECHAT_APPID || '';
    if (PLACEHOLDER_APPIDS.has(id)) return 'WECHAT_APPID 未设置或仍是演示用的 AppID';
    if (!WECHAT_APPID.test(id)) return `WECHAT_APPID 格式不对（应为 wx 加 16 位十六进制）：${id}`;
  }
  if (platform === 'mp-alipay') {
    const id = env.ALIPAY_APPID || '';
    if (PLACEHOLDER_APPIDS.has(id)) return 'ALIPAY_APPID 未设置';
    if (!ALIPAY_APPID.test(id)) return `ALIPAY_APPID 格式不对（应为 20 开头的 16 位数字）：${id}`;
  }
  return null;
}

// Every reason the release build of `platform` with `env` must not go out; empty when it may.
export function releaseProblems(platform, env) {
  if (!PLATFORMS.includes(platform)) return [`未知平台：${platform}（可选 ${PLATFORMS.join(' / ')}）`];
  return [apiBaseProblem((env.VITE_API_BASE || '').trim(), platform), appidProblem(platform, env)].filter(Boolean);
}
