// Draws the stamp (lib/stamp.js: lines and layout) onto a photo and gives back the stamped JPEG:
// a canvas on h5, an offscreen canvas on the WeChat mini-program. The original is not kept: only
// the stamped bytes are saved, hashed and uploaded.
import { BAND_COLOUR, STAMPED_QUALITY, STAMPED_TYPE, stampLayout } from './lib/stamp.js';

const MAX_SIDE = 4096; // canvases larger than this fail on many phones; a photo is scaled to fit

function fit(width, height) {
  const scale = Math.min(1, MAX_SIDE / Math.max(width, height));
  return { width: Math.round(width * scale), height: Math.round(height * scale) };
}

function draw(ctx, width, height, lines) {
  const fontOf = (size) => `${size}px "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif`;
  ctx.font = fontOf(100);
  const layout = stampLayout(width, height, lines, (line) => ctx.measureText(line).width / 100);
  ctx.fillStyle = BAND_COLOUR;
  ctx.fillRect(0, layout.top, width, layout.band);
  ctx.font = fontOf(layout.font);
  ctx.textBaseline = 'top';
  ctx.fillStyle = '#ffffff';
  lines.forEach((line, i) => {
    const y = layout.top + layout.padding + i * layout.lineHeight + (layout.lineHeight - layout.font) / 2;
    ctx.fillText(line, layout.padding, y);
  });
}

class UnreadablePhoto extends Error {
  constructor(cause) {
    super('无法读取这张照片（只支持 JPEG/PNG），请重新拍摄');
    this.cause = cause;
  }
}

// shot: {bytes, type, path?}; lines: stampLines(...). → {bytes, type}
export async function stampPhoto(shot, lines) {
  // #ifdef H5
  let bitmap;
  try {
    bitmap = await createImageBitmap(new Blob([shot.bytes], { type: shot.type }), { imageOrientation: 'from-image' });
  } catch (cause) {
    throw new UnreadablePhoto(cause);
  }
  const { width, height } = fit(bitmap.width, bitmap.height);
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  ctx.drawImage(bitmap, 0, 0, width, height);
  bitmap.close();
  draw(ctx, width, height, lines);
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, STAMPED_TYPE, STAMPED_QUALITY));
  canvas.width = 0; // frees the pixels at once (phones run short of canvas memory)
  if (!blob) throw new Error('照片加印失败，请重新拍摄');
  return { bytes: new Uint8Array(await blob.arrayBuffer()), type: STAMPED_TYPE };
  // #endif
  // #ifdef MP-WEIXIN
  const info = await new Promise((resolve, reject) => uni.getImageInfo({
    src: shot.path, success: resolve, fail: (cause) => reject(new UnreadablePhoto(cause)) }));
  const { width, height } = fit(info.width, info.height);
  const canvas = wx.createOffscreenCanvas({ type: '2d', width, height });
  const ctx = canvas.getContext('2d');
  const image = canvas.createImage();
  await new Promise((resolve, reject) => {
    image.onload = resolve;
    image.onerror = (cause) => reject(new UnreadablePhoto(cause));
    image.src = shot.path;
  });
  ctx.drawImage(image, 0, 0, width, height);
  draw(ctx, width, height, lines);
  const file = await new Promise((resolve, reject) => wx.canvasToTempFilePath({
    canvas, fileType: 'jpg', quality: STAMPED_QUALITY, destWidth: width, destHeight: height,
    success: (res) => resolve(res.tempFilePath), fail: () => reject(new Error('照片加印失败，请重新拍摄')),
  }));
  return { bytes: new Uint8Array(uni.getFileSystemManager().readFileSync(file)), type: STAMPED_TYPE };
  // #endif
  // other platforms: no stamp, so no evidence (it is never kept unstamped)
  throw new Error('此平台暂不支持照片加印');
}
