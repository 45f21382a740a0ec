// How many IOs a device serves at once (its parallelism K), and how it serves the IOs beyond K,
// estimated from the trace alone.
//
// The model: with n IOs in flight a device delivers min(n, K) units of service (a serial disk
// is K = 1). Estimating K from how fast IOs complete at each n (the state-dependent completion
// rate X̂(n) = completions while n in flight ÷ time at n, whose plateau is the capacity and knee
// is K) fails when the mix of IOs changes with n: on a serial disk shared by a random reader and
// bursts of fast sequential writes, completions at n = 4000 come 50× faster than at n = 1, all
// from the cheap writes. So each completion is weighted by its expected service, from a linear
// cost model (costmodel.ts features) fitted to the latencies of IOs that arrived at the lowest
// depths (where a device with free units serves an IO at once): the weighted rate W(n) / T(n)
// is the number of units busy at n, whatever the mix, and K maximises a quasi-Poisson
// likelihood of W(n) ~ μ · min(n, K) · T(n). The 95 % interval is where the likelihood, scaled
// by the Pearson dispersion, is within 1.92 of its maximum.
//
// The evidence is a fixed-size summary of a device's first IOs (the calibration window the observe
// pass holds: ParallelismEvidence.collect): time at each n up to MAX_DEPTH, the features of the
// IOs completed at each n, the cost-model sums of latency against features per arrival-depth
// bucket, and two direct tests of seriality (estimateParallelism). How far completions overtake
// earlier IOs (OvertakeProfile) then tells a FIFO queue in front of K units from a device that
// shares or reorders (decideDevice).

import { FIT_STRIDE, NFEAT, addIo, iosIn, mergeSums, pageColumn, pagesOf, solveSums, type LinearFit } from './costmodel.js';
import { SLOT_F64, S_BYTES, S_ISSUE, type Slots } from './iotable.js';
import { grown } from './typed.js';

/** In-flight counts above this are counted at it. */
export const MAX_DEPTH = 1024;
/** Arrival-depth buckets: depth 1, 2–3, 4–7, …, 512–1023, ≥ 1024. */
export const DEPTH_BUCKETS = 11;
/** How much of the likelihood's drop (scaled by dispersion) still lies in the 95 % interval. */
const CHI2_95_HALF = 1.92;

export function depthBucket(depth: number): number {
  const b = 31 - Math.clz32(depth);
  return b < DEPTH_BUCKETS ? b : DEPTH_BUCKETS - 1;
}

export class ParallelismEvidence {
  /** time[n]: ns spent with n IOs in flight (n ≥ 1; beyond MAX_DEPTH counted at MAX_DEPTH). */
  time = new Float64Array(4);
  /** work[n·NFEAT + f]: Σ of feature f over the IOs completed while n were in flight. */
  work = new Float64Array(4 * NFEAT);
  /** Cost-model sums (costmodel.ts) of latency (ns) against features, per arrival-depth bucket. */
  byDepth = new Float64Array(DEPTH_BUCKETS * FIT_STRIDE);
  maxInFlight = 0;
  /** IOs that arrived at the idle device (alone: nothing else issued at that instant), and those another IO completed before. */
  lone = 0;
  loneOvertaken = 0;
  /**
   * Completions while others were in flight, and those of an IO issued after one still in flight
   * (OvertakeProfile.at(1), counted here in O(1) per event: a serial device needs no more).
   */
  contended = 0;
  overtaken = 0;

  /**
   * Adds a device's events from its first: times[0..len), codes (slot × 2 + 1 for a completion)
   * in time order, the slots (issue time, bytes, cost-model class) still held. A completion is
   * credited to the state that ends at it: IOs issued at the same instant do not count. An IO is
   * lone when it arrived at the idle device with nothing else issued at that instant, and
   * overtaken when another IO completed while it was in flight. A completion is in order when no
   * IO issued before it is still in flight: the lowest issue rank not yet completed is its own.
   */
  collect(times: Float64Array, codes: Int32Array, len: number, slots: Slots): void {
    const depth = new Int32Array(slots.cap);
    // issue rank + 1 of each slot in flight (0: issued before the window), completed ranks, and
    // the lowest rank not completed
    const rank = new Int32Array(slots.cap);
    const completed = new Uint8Array(len + 1);
    let issued = 0;
    let lowest = 1;
    const by = new Float64Array(2);
    let n = 0;
    let state = 0;
    let lastT = -Infinity;
    // the IO that arrived at the idle device, while in flight (-1: none), when, and whether another completed meanwhile
    let lone = -1;
    let loneT = 0;
    let loneOvertaken = false;
    for (let i = 0; i < len; i++) {
      const t = times[i];
      const c = codes[i];
      const s = c >> 1;
      if (t > lastT) {
        if (n > 0) this.time[this.slot(n)] += t - lastT;
        if (n > this.maxInFlight) this.maxInFlight = n;
        state = n;
        lastT = t;
      }
      if (!(c & 1)) {
        depth[s] = ++n;
        rank[s] = ++issued;
        if (n === 1) {
          lone = s;
          loneT = t;
          loneOvertaken = false;
        } else if (n === 2 && lone >= 0 && loneT === t) lone = -1; // not alone: another issued at the same instant
        continue;
      }
      if (s === lone) {
        this.lone++;
        if (loneOvertaken) this.loneOvertaken++;
        lone = -1;
      } else if (lone >= 0) loneOvertaken = true;
      const base = slots.classOf(s);
      const bytes = slots.f[s * SLOT_F64 + S_BYTES];
      const wi = this.slot(state) * NFEAT;
      this.work[wi + base] += 1;
      this.work[wi + pageColumn(base)] += pagesOf(bytes);
      by[0] = bytes;
      by[1] = t - slots.f[s * SLOT_F64 + S_ISSUE];
      addIo(this.byDepth, depthBucket(depth[s]) * FIT_STRIDE, base, by);
      const r = rank[s];
      if (r > 0) {
        if (n > 1) this.contended++;
        if (lowest < r) this.overtaken++;
        completed[r] = 1;
        while (lowest <= issued && completed[lowest]) lowest++;
        rank[s] = 0;
      }
      n--;
    }
  }

  /** Index for n in flight, growing the arrays to hold it. */
  slot(n: number): number {
    if (n > MAX_DEPTH) n = MAX_DEPTH;
    if (n >= this.time.length) {
      const len = Math.min(MAX_DEPTH + 1, Math.max(n + 1, this.time.length * 2));
      this.time = grown(this.time, len);
      this.work = grown(this.work, len * NFEAT);
    }
    return n;
  }
}

export interface ParallelismEstimate {
  /** Most likely K. */
  k: number;
  /** The 95 % interval of K. */
  low: number;
  high: number;
  /** Most IOs in flight at once. */
  maxInFlight: number;
  /**
   * Whether the trace shows the device saturating: the interval ends below the most IOs in
   * flight (beyond it the trace cannot tell a larger K apart).
   */
  saturated: boolean;
  /**
   * Whether the device served one IO at a time without preempting: an IO that arrived at the
   * idle device was (almost) never overtaken; null when too few IOs arrived at an idle device.
   */
  serial: boolean | null;
  /** The expected-service model the estimate weighted completions with. */
  service: LinearFit;
}

/** The expected-service model: fitted on the lowest arrival depths holding ≥ max(50, 1 %) of the IOs. */
export function serviceModel(ev: ParallelismEvidence): LinearFit {
  let total = 0;
  for (let b = 0; b < DEPTH_BUCKETS; b++) total += iosIn(ev.byDepth, b * FIT_STRIDE);
  const need = Math.max(50, 0.01 * total);
  const acc = new Float64Array(FIT_STRIDE);
  let got = 0;
  for (let b = 0; b < DEPTH_BUCKETS && got < need; b++) {
    mergeSums(acc, 0, ev.byDepth, b * FIT_STRIDE);
    got += iosIn(ev.byDepth, b * FIT_STRIDE);
  }
  return solveSums(acc);
}

/**
 * Below this many completions the estimate is K = 1 (serial, the model busy-period decomposition
 * assumes): too few to tell a device that serves IOs at once from one that queues them.
 */
export const MIN_IOS_TO_ESTIMATE = 256;

/** Lone IOs needed to test seriality, and the share of them a serial device may see overtaken. */
export const MIN_LONE_IOS = 20;
export const LONE_OVERTAKEN_TOLERANCE = 0.005;
/** Completions among others in flight needed to test for completion in issue order. */
export const MIN_CONTENDED_IOS = 100;

/**
 * Whether the device served one IO at a time (true), did not (false), or the trace cannot tell
 * (null): lone IOs never overtaken, or, on a device seldom idle, completions in issue order.
 */
export function serialTest(ev: ParallelismEvidence): boolean | null {
  const lone = ev.lone >= MIN_LONE_IOS ? ev.loneOvertaken <= LONE_OVERTAKEN_TOLERANCE * ev.lone : null;
  const inOrder = ev.contended >= MIN_CONTENDED_IOS ? ev.overtaken <= LONE_OVERTAKEN_TOLERANCE * ev.contended : null;
  if (lone === true || inOrder === true) return true;
  if (lone === false || inOrder === false) return false;
  return null;
}

/** IOs held when a device is first checked for being clearly serial (the observe pass decides it then). */
export const EARLY_CHECK_IOS = 2048;
/** Lone IOs, or contended completions, that must all be in order for that. */
export const EARLY_SERIAL_IOS = 1000;

/**
 * Whether a device's first IOs show it serves one IO at a time beyond doubt: of at least 1,000
 * IOs that arrived at the idle device none was overtaken, or of at least 1,000 completions among
 * others in flight none came out of issue order. A device that serves IOs at once overtakes at
 * least 2 % of its lone IOs from 2 % load up (below): no overtake in 1,000 has a chance under
 * 0.98^1000 ≈ 2·10⁻⁹. The tests are serialTest's with more IOs and no tolerance, so a device
 * decided early would be decided serial on its whole calibration window too, barring a change
 * of behaviour later in it.
 */
export function clearlySerial(ev: ParallelismEvidence): boolean {
  return (ev.lone >= EARLY_SERIAL_IOS && ev.loneOvertaken === 0) || (ev.contended >= EARLY_SERIAL_IOS && ev.overtaken === 0);
}

/**
 * K: 1 when the device served one IO at a time (seriality, below), else the most likely value.
 *
 * Seriality is tested directly, because the completion rates are biased toward parallelism on
 * a serial disk: a completion is credited to the state it ends in, though the IO was served
 * partly in lower states (others arrived meanwhile), so with service times less variable than
 * exponential a serial disk's rate rises with n (on the benchmark trace: 0.79 units busy at
 * n = 1, 1.1–1.25 at n = 2–4, and K = 2 would be the most likely value). The test: an IO that
 * arrives at an idle non-preemptive single server is served at once and completes before any
 * later IO, whatever the service order and mix; on a device serving IOs at once, or sharing
 * itself, later IOs often complete first. Measured on generated devices: 0 % of such lone IOs
 * overtaken on serial FIFO disks at any load, ≥ 2 % on every parallel or sharing device from
 * 2 % load up (K = 2 at 2 % load: 2.1 %; K = 4 at 30 %: 30 %). A device seldom idle is tested
 * the same way on all IOs: on a FIFO single server every IO completes after those issued before
 * it. When neither test has enough IOs, K = 1 is kept whenever 1 lies within the 95 % interval.
 */
export function estimateParallelism(ev: ParallelismEvidence): ParallelismEstimate {
  const service = serviceModel(ev);
  const top = Math.min(ev.maxInFlight, MAX_DEPTH);
  const serial = serialTest(ev);
  let ios = 0;
  for (let b = 0; b < DEPTH_BUCKETS; b++) ios += iosIn(ev.byDepth, b * FIT_STRIDE);
  if (top <= 1 || ios < MIN_IOS_TO_ESTIMATE)
    return { k: 1, low: 1, high: top > 1 ? top : 1, maxInFlight: ev.maxInFlight, saturated: false, serial, service };
  const th = service.theta;
  // expected service completed at each n; by completion count when the model predicts nothing
  const w = new Float64Array(top + 1);
  const t = new Float64Array(top + 1);
  let wSum = 0;
  for (let n = 1; n <= top && n < ev.time.length; n++) {
    let v = 0;
    for (let f = 0; f < NFEAT; f++) v += th[f] * ev.work[n * NFEAT + f];
    w[n] = v > 0 ? v : 0;
    t[n] = ev.time[n];
    wSum += w[n];
  }
  if (!(wSum > 0)) {
    wSum = 0;
    for (let n = 1; n <= top && n < ev.time.length; n++) {
      let c = 0;
      for (let b = 0; b < 4; b++) c += ev.work[n * NFEAT + b];
      w[n] = c;
      wSum += c;
    }
  }
  if (!(wSum > 0)) return { k: 1, low: 1, high: 1, maxInFlight: ev.maxInFlight, saturated: false, serial, service };
  // L(K) = Σ w_n log min(n,K) + W log(W / Σ t_n min(n,K)) − W, in O(top) with suffix sums
  const sufW = new Float64Array(top + 2);
  const sufT = new Float64Array(top + 2);
  for (let n = top; n >= 1; n--) {
    sufW[n] = sufW[n + 1] + w[n];
    sufT[n] = sufT[n + 1] + t[n];
  }
  const ll = new Float64Array(top + 1);
  let preWlog = 0;
  let preTn = 0;
  let best = 1;
  for (let k = 1; k <= top; k++) {
    const a = preWlog + Math.log(k) * sufW[k];
    const b = preTn + k * sufT[k];
    ll[k] = b > 0 ? a + wSum * Math.log(wSum / b) - wSum : -Infinity;
    if (ll[k] > ll[best]) best = k;
    preWlog += w[k] * Math.log(k);
    preTn += t[k] * k;
  }
  // Pearson dispersion of the best fit
  let bT = 0;
  for (let n = 1; n <= top; n++) bT += t[n] * Math.min(n, best);
  const mu = wSum / bT;
  let chi = 0;
  let cells = 0;
  for (let n = 1; n <= top; n++) {
    const m = mu * Math.min(n, best) * t[n];
    if (m > 0) {
      chi += ((w[n] - m) * (w[n] - m)) / m;
      cells++;
    }
  }
  // at least the dispersion of a Poisson count weighted by the mean expected service
  let completions = 0;
  for (let n = 1; n <= top; n++) for (let b = 0; b < 4; b++) completions += ev.work[n * NFEAT + b];
  const phi = Math.max(cells > 2 ? chi / (cells - 2) : 0, completions > 0 ? wSum / completions : 1);
  let low = best;
  let high = best;
  while (low > 1 && (ll[best] - ll[low - 1]) / phi < CHI2_95_HALF) low--;
  while (high < top && (ll[best] - ll[high + 1]) / phi < CHI2_95_HALF) high++;
  if (serial === true) return { k: 1, low: 1, high: 1, maxInFlight: ev.maxInFlight, saturated: true, serial, service };
  const k = serial === null && low === 1 ? 1 : best;
  return { k, low, high, maxInFlight: ev.maxInFlight, saturated: high < top, serial, service };
}

/** How a device serves the IOs beyond its parallelism, and so how device time is attributed. */
export type Attribution = 'busy_period' | 'fifo_slots' | 'shared_slots';

/** Overtakes below this share of contended completions still count as a FIFO queue. */
export const FIFO_OVERTAKE_TOLERANCE = 0.03;

/**
 * The attribution that fits the device, given K, whether it is serial (estimateParallelism) and
 * what the calibration window showed at K:
 * - K = 1: busy-period decomposition for a serial non-preemptive device (exact for any service
 *   order); shared slots when lone IOs were overtaken (one unit shared among the IOs in flight,
 *   processor sharing);
 * - K > 1 and nothing beyond K ever in flight: every IO had a unit to itself, and shared slots
 *   charge each its latency;
 * - K > 1 and completions in issue order among the IOs beyond K (an IO never finished while K
 *   earlier ones were still in flight: at most FIFO_OVERTAKE_TOLERANCE of contended
 *   completions): a FIFO queue in front of K units, FIFO slots (the K oldest IOs in flight hold
 *   the units);
 * - otherwise the device reorders or shares: shared slots (each of n IOs gets min(n, K)/n).
 */
export function chooseAttribution(k: number, serial: boolean | null, contended: number, overtaken: number): Attribution {
  if (k === 1) return serial === false ? 'shared_slots' : 'busy_period';
  if (contended === 0) return 'shared_slots';
  return overtaken <= FIFO_OVERTAKE_TOLERANCE * contended ? 'fifo_slots' : 'shared_slots';
}

/**
 * How far completions overtake earlier-issued IOs, over a window of events: for each completion,
 * how many IOs issued before it were still in flight (a FIFO queue in front of K units allows at
 * most K − 1), and how many IOs were in flight (it included). `codes[i]` is slot × 2 + (1 for a
 * completion), in time order, every completion after its issue; slots are distinct while in flight.
 */
export class OvertakeProfile {
  /** byEarlier[e]: completions with e earlier-issued IOs still in flight (e beyond MAX_DEPTH counted at it). */
  readonly byEarlier = new Float64Array(MAX_DEPTH + 1);
  /** byInFlight[n]: completions with n IOs in flight, itself included. */
  readonly byInFlight = new Float64Array(MAX_DEPTH + 1);

  constructor(codes: Int32Array, len: number) {
    // issue rank of each slot in flight, and a Fenwick tree of the ranks in flight
    let ios = 0;
    let maxSlot = 0;
    for (let i = 0; i < len; i++) {
      if (!(codes[i] & 1)) ios++;
      if (codes[i] >> 1 > maxSlot) maxSlot = codes[i] >> 1;
    }
    const fen = new Int32Array(ios + 1);
    const rankOf = new Int32Array(maxSlot + 1);
    let next = 0;
    let inFlight = 0;
    for (let i = 0; i < len; i++) {
      const c = codes[i];
      const s = c >> 1;
      if (!(c & 1)) {
        const r = ++next;
        rankOf[s] = r;
        for (let j = r; j <= ios; j += j & -j) fen[j]++;
        inFlight++;
        continue;
      }
      const r = rankOf[s];
      if (r === 0) continue;
      rankOf[s] = 0;
      let earlier = 0;
      for (let j = r - 1; j > 0; j -= j & -j) earlier += fen[j];
      this.byEarlier[Math.min(earlier, MAX_DEPTH)]++;
      this.byInFlight[Math.min(inFlight, MAX_DEPTH)]++;
      for (let j = r; j <= ios; j += j & -j) fen[j]--;
      inFlight--;
    }
  }

  /**
   * At K: completions while more than K were in flight (`contended`), and those of an IO with at
   * least K earlier-issued IOs still in flight (`overtaken`: impossible behind a FIFO queue of K
   * units; such an IO had more than K in flight, so it is contended too).
   */
  at(k: number): { contended: number; overtaken: number } {
    let contended = 0;
    let overtaken = 0;
    for (let n = k + 1; n <= MAX_DEPTH; n++) contended += this.byInFlight[n];
    for (let e = k; e <= MAX_DEPTH; e++) overtaken += this.byEarlier[e];
    return { contended, overtaken };
  }

  /** The smallest K at which the window looks like a FIFO queue in front of K units. */
  fifoK(): number {
    for (let k = 1; k < MAX_DEPTH; k++) {
      const a = this.at(k);
      if (a.overtaken <= FIFO_OVERTAKE_TOLERANCE * a.contended) return k;
    }
    return MAX_DEPTH;
  }
}

/**
 * K and the attribution for a device, from the estimate and the calibration window's overtakes.
 * A FIFO device needs its exact K (the FIFO slots are the K oldest IOs in flight): when the
 * estimated K shows overtakes but a slightly larger one (up to 1.25 K + 1) shows none, that one
 * is taken, since the completion rates' estimate runs a little low on small samples. `profile`
 * makes the window's overtake profile, needed only when K > 1 (at K = 1 the counts are `atOne`).
 */
export function decideDevice(
  est: ParallelismEstimate,
  profile: () => OvertakeProfile,
  givenK: number | undefined,
  atOne: { contended: number; overtaken: number },
): { k: number; attribution: Attribution; contended: number; overtaken: number } {
  let k = givenK ?? est.k;
  if (k === 1) return { k, attribution: chooseAttribution(1, est.serial, atOne.contended, atOne.overtaken), ...atOne };
  const overtakes = profile();
  let at = overtakes.at(k);
  let attribution = chooseAttribution(k, est.serial, at.contended, at.overtaken);
  if (givenK === undefined && k > 1 && attribution === 'shared_slots' && at.contended > 0) {
    const kf = overtakes.fifoK();
    if (kf > k && kf <= Math.ceil(1.25 * k) + 1) {
      k = kf;
      at = overtakes.at(k);
      attribution = chooseAttribution(k, est.serial, at.contended, at.overtaken);
    }
  }
  return { k, attribution, contended: at.contended, overtaken: at.overtaken };
}
