// The linear IO cost model iofair fits per device, the least-squares machinery it shares with the
// parallelism estimate, and the translation into Linux iocost's `io.cost.model` parameters.
//
// An IO is described by six features (FEATURES): one of four base indicators (read or write,
// random or sequential) set to 1, and its page count (4 KiB pages, at least 1, as blk-iocost
// counts them) in the read or write page column. A linear model θ over them is
//   cost = base(op, seq|rand) + pages × page(op),
// exactly iocost's builtin linear model (block/blk-iocost.c, calc_vtime_cost_builtin). A
// streaming fit keeps, per class of IO (the base column), six sums (CLASS_SUMS: IOs, pages,
// pages², y, pages·y, y²): they are the normal equations XᵀX, Xᵀy, yᵀy in pieces, summed per
// zone and device and solved (a 6×6 system) at the end; columns the data cannot separate (no
// sequential IO seen, or one IO size per direction so the per-IO and per-page parts are
// collinear) are left out and reported as not identified. Costs are not negative: the fit is the
// least-squares one among models with every cost ≥ 0 (a negative per-page cost would say larger
// IOs are cheaper, an artefact of noise or of a mix the columns cannot separate well).

export const NFEAT = 6;
/** Feature columns. The four base columns come first: a collinear page column is the one dropped. */
export const F_READ_RAND = 0;
export const F_WRITE_RAND = 1;
export const F_READ_SEQ = 2;
export const F_WRITE_SEQ = 3;
export const F_READ_PAGES = 4;
export const F_WRITE_PAGES = 5;
export const FEATURES = ['read_rand_io', 'write_rand_io', 'read_seq_io', 'write_seq_io', 'read_page', 'write_page'] as const;

/** Sums per class of IO: IOs, Σ pages, Σ pages², Σ y, Σ pages·y, Σ y². */
export const CLASS_SUMS = 6;
/** Classes of IO: the base columns F_READ_RAND..F_WRITE_SEQ. */
export const NCLASS = 4;
/** Numbers of one fit's sums. */
export const FIT_STRIDE = NCLASS * CLASS_SUMS;
/** Numbers of one set of normal equations: XᵀX (row-major 6×6), Xᵀy (6), yᵀy. */
const NORMAL_STRIDE = NFEAT * NFEAT + NFEAT + 1;
const XY = NFEAT * NFEAT;
const YY = XY + NFEAT;

/** The page column of a class: reads' or writes'. */
export function pageColumn(cls: number): number {
  return cls & 1 ? F_WRITE_PAGES : F_READ_PAGES;
}

export const PAGE_BYTES = 4096;
/** iocost's "random" threshold: more than 4096 pages (16 MiB) from the previous IO's end. */
export const SEQ_DISTANCE_BYTES = 4096 * PAGE_BYTES;

/** Pages of an IO of `bytes`, as blk-iocost counts them: sectors >> 3, at least 1. */
export function pagesOf(bytes: number): number {
  const p = Math.floor(bytes / PAGE_BYTES);
  return p > 1 ? p : 1;
}

/**
 * Adds one IO of class `cls`, of by[0] bytes and response by[1], to the sums at sums[o..]. The
 * two doubles come in an array because a double passed to a call that is not inlined is boxed
 * (a heap allocation per IO).
 */
export function addIo(sums: Float64Array, o: number, cls: number, by: Float64Array): void {
  const p = Math.floor(by[0] / PAGE_BYTES);
  const pages = p > 1 ? p : 1;
  const y = by[1];
  const k = o + cls * CLASS_SUMS;
  sums[k] += 1;
  sums[k + 1] += pages;
  sums[k + 2] += pages * pages;
  sums[k + 3] += y;
  sums[k + 4] += pages * y;
  sums[k + 5] += y * y;
}

/** Adds the sums at b[ob..] into a[oa..]. */
export function mergeSums(a: Float64Array, oa: number, b: Float64Array, ob: number): void {
  for (let i = 0; i < FIT_STRIDE; i++) a[oa + i] += b[ob + i];
}

/** IOs in the sums at sums[o..]. */
export function iosIn(sums: Float64Array, o = 0): number {
  let n = 0;
  for (let c = 0; c < NCLASS; c++) n += sums[o + c * CLASS_SUMS];
  return n;
}

/** Σ y in the sums at sums[o..]. */
export function sumYIn(sums: Float64Array, o = 0): number {
  let y = 0;
  for (let c = 0; c < NCLASS; c++) y += sums[o + c * CLASS_SUMS + 3];
  return y;
}

/** A model's prediction summed over the IOs in the sums at sums[o..]: Σ base(class) + θ_page · pages. */
export function predictSum(theta: Float64Array, sums: Float64Array, o = 0): number {
  let v = 0;
  for (let c = 0; c < NCLASS; c++) {
    const k = o + c * CLASS_SUMS;
    v += theta[c] * sums[k] + theta[pageColumn(c)] * sums[k + 1];
  }
  return v;
}

export interface LinearFit {
  /** Coefficients per feature column (0 where not identified). */
  theta: Float64Array;
  /** Which columns the data determine. */
  identified: boolean[];
  /** IOs in the fit. */
  n: number;
  /** Σ y and Σ (y − ŷ)² over the IOs. */
  sumY: number;
  sse: number;
  /** 1 − SSE / SST; null with fewer than two IOs or no spread in y. */
  r2: number | null;
  /** Per direction (read, write): every IO of it was one page, so its base cost is a 4 KiB IO's cost. */
  onePage: [boolean, boolean];
}

/**
 * Non-negative least squares from the sums at sums[o..]: the normal equations, solved by
 * Gauss–Jordan elimination with the columns taken in order; a column whose pivot is below 1e-9 of
 * its own diagonal after elimination is linearly dependent on the earlier ones (or empty) and is
 * left out. When a cost comes out negative, the fit is the best over the subsets of the columns
 * whose own least-squares costs are all ≥ 0, the others held at 0: the non-negative optimum is the
 * unconstrained one on its support, so this is exact (6 columns: at most 64 small solves).
 */
export function solveSums(sums: Float64Array, o = 0): LinearFit {
  const n = new Float64Array(NORMAL_STRIDE);
  for (let c = 0; c < NCLASS; c++) {
    const s = o + c * CLASS_SUMS;
    const pc = pageColumn(c);
    n[c * NFEAT + c] += sums[s];
    n[c * NFEAT + pc] += sums[s + 1];
    n[pc * NFEAT + pc] += sums[s + 2];
    n[XY + c] += sums[s + 3];
    n[XY + pc] += sums[s + 4];
    n[YY] += sums[s + 5];
  }
  return solveNormal(n);
}

/** Least squares from normal equations at n[o..] (upper triangle filled): see solveSums. */
function solveNormal(n: Float64Array, o = 0): LinearFit {
  const k = NFEAT;
  const a: number[][] = [];
  for (let i = 0; i < k; i++) {
    a.push([]);
    for (let j = 0; j < k; j++) a[i].push(i <= j ? n[o + i * k + j] : n[o + j * k + i]);
    a[i].push(n[o + XY + i]);
  }
  const used: boolean[] = new Array(k).fill(false);
  const all = (1 << k) - 1;
  let theta = leastSquares(a, all, used);
  // SSE = yᵀy − 2 θᵀXᵀy + θᵀXᵀXθ, from the accumulators
  const sseOf = (t: Float64Array) => {
    let tXy = 0;
    let tXXt = 0;
    for (let i = 0; i < k; i++) {
      tXy += t[i] * n[o + XY + i];
      for (let j = 0; j < k; j++) tXXt += t[i] * t[j] * (i <= j ? n[o + i * k + j] : n[o + j * k + i]);
    }
    return n[o + YY] - 2 * tXy + tXXt;
  };
  if (theta.some((v) => v < 0)) {
    let support = 0;
    for (let c = 0; c < k; c++) if (used[c]) support |= 1 << c;
    let best: Float64Array | null = null;
    let bestSse = Infinity;
    for (let sub = support; ; sub = (sub - 1) & support) {
      const t = leastSquares(a, sub, new Array(k).fill(false));
      if (t.every((v) => v >= 0)) {
        const e = sseOf(t);
        if (e < bestSse) {
          bestSse = e;
          best = t;
        }
      }
      if (sub === 0) break;
    }
    theta = best!;
  }
  let count = 0;
  let sumY = 0;
  for (let b = 0; b < 4; b++) {
    count += n[o + b * k + b];
    sumY += n[o + XY + b];
  }
  const yy = n[o + YY];
  const sse = Math.max(0, sseOf(theta));
  const sst = count > 0 ? yy - (sumY * sumY) / count : 0;
  const onePage = (rand: number, seq: number, pc: number) => {
    const ios = n[o + rand * k + rand] + n[o + seq * k + seq];
    return ios > 0 && n[o + rand * k + pc] + n[o + seq * k + pc] === ios;
  };
  return {
    theta,
    identified: used,
    n: count,
    sumY,
    sse,
    r2: count > 1 && sst > 0 ? 1 - sse / sst : null,
    onePage: [onePage(F_READ_RAND, F_READ_SEQ, F_READ_PAGES), onePage(F_WRITE_RAND, F_WRITE_SEQ, F_WRITE_PAGES)],
  };
}

/**
 * Least squares over the columns in the bit set `cols` of the augmented normal equations `a`
 * (6 rows of XᵀX | Xᵀy; not changed), the other coefficients 0; marks in `used` the columns
 * solved (a dependent or empty column is left out: see solveSums).
 */
function leastSquares(src: number[][], cols: number, used: boolean[]): Float64Array {
  const k = NFEAT;
  const a = src.map((row) => row.slice());
  const diag = a.map((row, i) => row[i]);
  for (let c = 0; c < k; c++) {
    if (!(cols & (1 << c))) continue;
    if (!(diag[c] > 0) || Math.abs(a[c][c]) <= 1e-9 * diag[c]) continue;
    used[c] = true;
    const p = a[c][c];
    for (let r = 0; r < k; r++) {
      if (r === c || a[r][c] === 0 || !(cols & (1 << r))) continue;
      const f = a[r][c] / p;
      for (let j = c; j <= k; j++) a[r][j] -= f * a[c][j];
    }
  }
  const theta = new Float64Array(k);
  for (let c = 0; c < k; c++) if (used[c]) theta[c] = a[c][k] / a[c][c];
  return theta;
}

/** A fitted model as iocost parameters (see toIoCostModel). */
export interface IoCostModel {
  rbps: number | null;
  rseqiops: number | null;
  rrandiops: number | null;
  wbps: number | null;
  wseqiops: number | null;
  wrandiops: number | null;
}

/**
 * iocost's parameters from per-IO and per-page costs in ns of one unit of a device that serves
 * `parallelism` IOs at once. iocost's costs are capacity ("if a given IO is estimated to cost
 * 10ms, the device should be able to process ~100 of those IOs in a second"), so a unit's cost
 * is divided by the parallelism. Inverse of calc_lcoefs: page = 1 s / (bps / 4096), seqio =
 * 1 s / seqiops − page, randio = 1 s / randiops − page; the IOPS are of 4 KiB (one page) IOs. A
 * negative fitted cost counts as 0 (the kernel clamps the same way). A parameter the trace does
 * not determine is null: a class of IO never seen, or, when the page cost is not identified
 * (one IO size per direction), every IOPS of a direction whose IOs were not all one page.
 */
export function toIoCostModel(fit: LinearFit, parallelism: number): IoCostModel {
  const t = fit.theta;
  const id = fit.identified;
  const unit = (c: number) => Math.max(0, t[c]) / parallelism;
  const dir = (randCol: number, seqCol: number, pageCol: number, onePage: boolean) => {
    const page = id[pageCol] ? unit(pageCol) : onePage ? 0 : null;
    const iops = (col: number) => {
      if (!id[col] || page === null) return null;
      const per = unit(col) + page;
      return per > 0 ? Math.round(1e9 / per) : null;
    };
    return { bps: id[pageCol] && page! > 0 ? Math.round((PAGE_BYTES * 1e9) / page!) : null, seq: iops(seqCol), rand: iops(randCol) };
  };
  const r = dir(F_READ_RAND, F_READ_SEQ, F_READ_PAGES, fit.onePage[0]);
  const w = dir(F_WRITE_RAND, F_WRITE_SEQ, F_WRITE_PAGES, fit.onePage[1]);
  return { rbps: r.bps, rseqiops: r.seq, rrandiops: r.rand, wbps: w.bps, wseqiops: w.seq, wrandiops: w.rand };
}

/**
 * The `io.cost.model` line an operator can write to the root cgroup's io.cost.model: only the
 * parameters the trace determined (the kernel keeps its current value for a key not written).
 * `device` is MAJ:MIN when the trace named the device that way, else its name, to be replaced.
 */
export function ioCostModelLine(device: string, m: IoCostModel): string {
  const mm = /^(\d+)[:,](\d+)$/.exec(device);
  const keys = ['rbps', 'rseqiops', 'rrandiops', 'wbps', 'wseqiops', 'wrandiops'] as const;
  const parts = keys.filter((k) => m[k] !== null).map((k) => `${k}=${m[k]}`);
  return `${mm ? `${mm[1]}:${mm[2]}` : device} ctrl=user model=linear${parts.length ? ' ' + parts.join(' ') : ''}`;
}
