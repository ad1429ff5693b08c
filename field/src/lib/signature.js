// The party's signature as strokes of points in the pad's own coordinates (0..1 on each axis),
// so it can be drawn again at any size (the PNG sent is a fixed 600 × 240).
export const PNG_SIZE = Object.freeze({ width: 600, height: 240 });
const MIN_INK = 0.3; // of the pad's width, in total stroke length: a dot or a slip is not a signature

export function createPad() {
  let strokes = [];
  return {
    start(x, y) { strokes.push([[x, y]]); },
    move(x, y) {
      const stroke = strokes[strokes.length - 1];
      if (stroke) stroke.push([x, y]);
    },
    clear() { strokes = []; },
    strokes: () => strokes,
    length: () => strokes.reduce((sum, s) => sum + s.slice(1).reduce((acc, p, i) => acc + Math.hypot(p[0] - s[i][0], p[1] - s[i][1]), 0), 0),
    signed() { return this.length() >= MIN_INK; },
  };
}

// A pointer position inside a box ({left, top, width, height}) as pad coordinates, clamped.
export function padPoint(clientX, clientY, box) {
  const clamp = (v) => Math.min(1, Math.max(0, v));
  return [clamp((clientX - box.left) / box.width), clamp((clientY - box.top) / box.height)];
}

// Draw the strokes on a 2D context of the given size (black, round, thick enough to print).
export function drawStrokes(ctx, strokes, width, height) {
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, width, height);
  ctx.strokeStyle = '#000000';
  ctx.lineWidth = Math.max(3, width / 120);
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  for (const stroke of strokes) {
    ctx.beginPath();
    stroke.forEach(([x, y], i) => (i ? ctx.lineTo(x * width, y * height) : ctx.moveTo(x * width, y * height)));
    if (stroke.length === 1) ctx.lineTo(stroke[0][0] * width + 0.5, stroke[0][1] * height);
    ctx.stroke();
  }
}
