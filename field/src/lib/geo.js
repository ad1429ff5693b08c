// Distances between WGS84 points, as the server computes them (models/duty.py: haversine).
const R = 6371000;

export function metres(a, b) {
  if (!a || !b) return null;
  const rad = (d) => (d * Math.PI) / 180;
  const [lng1, lat1, lng2, lat2] = [a.lng, a.lat, b.lng, b.lat].map(rad);
  const h = Math.sin((lat2 - lat1) / 2) ** 2 + Math.cos(lat1) * Math.cos(lat2) * Math.sin((lng2 - lng1) / 2) ** 2;
  return 2 * R * Math.asin(Math.sqrt(h));
}

// '850 米' / '1.2 公里' / '位置未知'
export function distanceText(m) {
  if (m === null || m === undefined || Number.isNaN(m)) return '位置未知';
  if (m < 1000) return `${Math.round(m)} 米`;
  return `${(m / 1000).toFixed(m < 10000 ? 1 : 0)} 公里`;
}

// The compass direction from a to b in eight steps (a plain hint where no map can load).
export function direction(a, b) {
  if (!a || !b) return '';
  const rad = (d) => (d * Math.PI) / 180;
  const y = Math.sin(rad(b.lng - a.lng)) * Math.cos(rad(b.lat));
  const x = Math.cos(rad(a.lat)) * Math.sin(rad(b.lat)) - Math.sin(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.cos(rad(b.lng - a.lng));
  const bearing = ((Math.atan2(y, x) * 180) / Math.PI + 360) % 360;
  return ['北', '东北', '东', '东南', '南', '西南', '西', '西北'][Math.round(bearing / 45) % 8];
}

// A GeoJSON point (the server's task location) as {lng, lat}.
export function fromPoint(point) {
  const [lng, lat] = (point && point.coordinates) || [];
  return typeof lng === 'number' && typeof lat === 'number' ? { lng, lat } : null;
}

export function ageText(seconds) {
  if (seconds < 60) return `${seconds} 秒前`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} 分钟前`;
  return `${Math.floor(seconds / 3600)} 小时前`;
}
