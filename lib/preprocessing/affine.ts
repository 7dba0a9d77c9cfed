// Affine resampling of one channels-last image, as Keras' apply_affine_transform does it with
// scipy.ndimage.affine_transform (spline order 0 or 1, fill modes 'constant', 'nearest',
// 'reflect', 'wrap' with scipy's boundary rules), on typed arrays.
//
// Note [Affine augmentation coordinates]: the transform maps each OUTPUT pixel (x = column,
// y = row) to the INPUT point it samples: input = C + A (output - C), with C the image centre
// ((w-1)/2, (h-1)/2) and A = Rotation(theta) · Shift(tx, ty) · Shear(shear) · Zoom(zx, zy), the
// product Keras builds. Keras since 2.9 swaps the matrix' axes before calling scipy (its
// "M' = PMP" comment), which makes its tx a shift along x and ty along y, as its
// apply_transform documents; this file does the same, so applyTransform({tx: 3}) moves the same
// pixels as Keras' for the same parameters. Keras' centring after that swap uses the height
// for x and the width for y (wrong for non-square images); here the centre is the true one.
// Keras' get_random_transform also draws tx from height_shift_range (scaled by the height) and
// ty from width_shift_range, i.e. width and height shifts come out swapped; tensornode draws tx
// from widthShiftRange and ty from heightShiftRange, as both ranges are documented.

export type FillMode = 'constant' | 'nearest' | 'reflect' | 'wrap';

export interface AffineParams {
  /** Rotation in degrees (positive: counter-clockwise on screen, as Keras). */
  theta: number;
  /** Shift in pixels along x (columns) and y (rows). */
  tx: number;
  ty: number;
  /** Shear angle in degrees. */
  shear: number;
  /** Zoom along x and y (below 1 magnifies). */
  zx: number;
  zy: number;
}

type Mat3 = number[]; // row-major 3x3

function mul(a: Mat3, b: Mat3): Mat3 {
  const out = new Array(9).fill(0);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) out[i * 3 + j] += a[i * 3 + k] * b[k * 3 + j];
  return out;
}

/** The output -> input map for an image of height h and width w, or null for the identity. */
export function affineMatrix(p: AffineParams, h: number, w: number): Mat3 | null {
  let m: Mat3 | null = null;
  const then = (next: Mat3): void => {
    m = m === null ? next : mul(m, next);
  };
  if (p.theta !== 0) {
    const t = (p.theta * Math.PI) / 180;
    then([Math.cos(t), -Math.sin(t), 0, Math.sin(t), Math.cos(t), 0, 0, 0, 1]);
  }
  if (p.tx !== 0 || p.ty !== 0) then([1, 0, p.tx, 0, 1, p.ty, 0, 0, 1]);
  if (p.shear !== 0) {
    const s = (p.shear * Math.PI) / 180;
    then([1, -Math.sin(s), 0, 0, Math.cos(s), 0, 0, 0, 1]);
  }
  if (p.zx !== 1 || p.zy !== 1) then([p.zx, 0, 0, 0, p.zy, 0, 0, 0, 1]);
  if (m === null) return null;
  const cx = w / 2 - 0.5;
  const cy = h / 2 - 0.5;
  return mul(mul([1, 0, cx, 0, 1, cy, 0, 0, 1], m), [1, 0, -cx, 0, 1, -cy, 0, 0, 1]);
}

/** scipy's map_coordinate: folds a coordinate outside [0, len-1] back in (NaN: outside, for 'constant'). */
function mapCoordinate(c: number, len: number, mode: FillMode): number {
  if (c >= 0 && c <= len - 1) return c;
  if (mode === 'constant') return NaN;
  if (len <= 1) return 0;
  if (mode === 'nearest') return c < 0 ? 0 : len - 1;
  if (mode === 'reflect') {
    const sz2 = 2 * len;
    if (c < 0) {
      if (c < -sz2) c = sz2 * Math.trunc(-c / sz2) + c;
      return c < -len ? c + sz2 : -c - 1;
    }
    c -= sz2 * Math.trunc(c / sz2);
    return c >= len ? sz2 - c - 1 : c;
  }
  // 'wrap': scipy's period is len - 1 (the first and last samples overlap).
  const sz = len - 1;
  if (c < 0) return c + sz * (Math.trunc(-c / sz) + 1);
  return c - sz * Math.trunc(c / sz);
}

/** Folds an integer sample index into [0, len) the way the mode extends the image. */
function foldIndex(i: number, len: number, mode: FillMode): number {
  if (i >= 0 && i < len) return i;
  if (len === 1) return 0;
  if (mode === 'reflect') {
    const period = 2 * len;
    i = ((i % period) + period) % period;
    return i < len ? i : period - 1 - i;
  }
  if (mode === 'wrap') {
    const period = len - 1;
    return ((i % period) + period) % period;
  }
  return i < 0 ? 0 : len - 1; // 'nearest', and 'constant' (whose out-of-range neighbours have weight 0)
}

/**
 * Resamples src (h, w, c; channels last) into dst through the output -> input matrix `m`,
 * with spline order 0 (nearest) or 1 (bilinear).
 */
export function affineResample(dst: Float32Array, src: Float32Array, h: number, w: number, c: number, m: Mat3,
  mode: FillMode, cval: number, order: 0 | 1): void {
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * c;
      const sx = mapCoordinate(m[0] * x + m[1] * y + m[2], w, mode);
      const sy = mapCoordinate(m[3] * x + m[4] * y + m[5], h, mode);
      if (Number.isNaN(sx) || Number.isNaN(sy)) {
        for (let k = 0; k < c; k++) dst[o + k] = cval;
        continue;
      }
      if (order === 0) {
        const ix = foldIndex(Math.floor(sx + 0.5), w, mode);
        const iy = foldIndex(Math.floor(sy + 0.5), h, mode);
        const s = (iy * w + ix) * c;
        for (let k = 0; k < c; k++) dst[o + k] = src[s + k];
        continue;
      }
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      const xa = foldIndex(x0, w, mode);
      const xb = foldIndex(x0 + 1, w, mode);
      const ya = foldIndex(y0, h, mode);
      const yb = foldIndex(y0 + 1, h, mode);
      const s00 = (ya * w + xa) * c;
      const s01 = (ya * w + xb) * c;
      const s10 = (yb * w + xa) * c;
      const s11 = (yb * w + xb) * c;
      for (let k = 0; k < c; k++) {
        const top = src[s00 + k] + fx * (src[s01 + k] - src[s00 + k]);
        const bottom = src[s10 + k] + fx * (src[s11 + k] - src[s10 + k]);
        dst[o + k] = top + fy * (bottom - top);
      }
    }
  }
}
