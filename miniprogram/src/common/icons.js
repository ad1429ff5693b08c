// Which Lucide icon (lucide-static, ISC, bundled at build time: no network at runtime) stands for a
// menu entry. The catalog's own `icon` slug wins; an entry without one (or with `default`) gets one
// from words in its title; anything else the generic document icon.
export const ICON_FOR_SLUG = {
  violation: 'triangle-alert',
  certificate: 'award',
  pension: 'piggy-bank',
  licence: 'id-card',
  'licence-lost': 'file-x',
  'e-licence': 'smartphone',
  hospital: 'hospital',
  medical: 'heart-pulse',
  chronic: 'pill',
  reimburse: 'receipt',
  yibao: 'shield-check',
  shebao: 'shield-check',
  unemployment: 'briefcase',
  jiuye: 'briefcase-business',
  'flexible-job': 'briefcase-business',
  briefcase: 'briefcase',
  records: 'file-text',
  wallet: 'wallet',
  pay: 'banknote',
  person: 'user',
  jiaotong: 'car',
  car: 'car',
  'new-car': 'car-front',
  'move-car': 'car-front',
  'temp-plate': 'ticket',
  plate: 'ticket',
  ebike: 'bike',
  accident: 'circle-alert',
  inspection: 'clipboard-check',
  hot: 'flame',
  card: 'credit-card',
  'card-lost': 'credit-card',
  transfer: 'arrow-left-right',
  skill: 'graduation-cap',
  study: 'book-open',
  qrcode: 'qr-code',
  'face-auth': 'scan-face',
  bus: 'bus',
  assist: 'hand-helping',
  retire: 'user-round-check',
  register: 'clipboard-pen',
  policy: 'scroll-text',
  phone: 'smartphone',
  maternity: 'baby',
  injury: 'bandage',
  family: 'users',
};

const TITLE_WORDS = [
  ['违法', 'triangle-alert'], ['驾驶证', 'id-card'], ['车', 'car'], ['社保卡', 'credit-card'],
  ['医', 'hospital'], ['养老', 'piggy-bank'], ['就业', 'briefcase'], ['失业', 'briefcase'],
  ['证明', 'award'], ['缴', 'banknote'], ['查询', 'search'],
];

export const DEFAULT_ICON = 'file-text';

export function iconName(entry) {
  const slug = entry && entry.icon;
  if (slug && ICON_FOR_SLUG[slug]) return ICON_FOR_SLUG[slug];
  const title = (entry && (entry.title || entry.name)) || '';
  for (const [word, icon] of TITLE_WORDS) if (title.includes(word)) return icon;
  return DEFAULT_ICON;
}

// An SVG file's text as an <image> source: stroked in `color` (an <img> has no currentColor).
export function svgDataUri(svg, color) {
  const text = svg.replace(/<!--[\s\S]*?-->/g, '').replace(/currentColor/g, color).replace(/\s+/g, ' ').trim();
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(text)}`;
}
