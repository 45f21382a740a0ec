// cap: a static per-zone limit in IOPS and/or bytes/s, enforced like Linux io.max (blk-throttle):
// a token bucket per zone per device holding `burstS` (default 0.1 s, one throtl_slice) of its
// rate, full at the start. The zone's head may start once both buckets hold enough tokens (an IO
// larger than the bucket waits for a full bucket and leaves it in debt). Tokens are taken at
// dispatch, so on a device of K slots the zone's IOs start at most at the cap's rate whatever K
// is. Not work-conserving: slots idle while capped IO waits — that idle time is what a static cap
// costs.
//
// `auto`: each zone gets its weight's share (among the zones using the device) of what the device
// delivered per busy second: its median IOPS (what an operator provisioning static caps from a
// benchmark would set), or a level of the cap ladder (./ladder.ts: a point between the least and
// the most the device delivered, in IOPS or bytes/s).

import type { Policy, PolicyContext, PolicyFactory, PolicyOptions } from '../contract.js';
import { IssueHeap } from '../queues.js';
import type { DeviceInfo } from '../types.js';

/** One zone's static limits (io.max-like); null = no limit of that kind. */
export interface CapLimit {
  iops: number | null;
  bytesPerS: number | null;
}

/** A level of the cap ladder: what `auto` shares out instead of the median IOPS. */
export interface CapLevel {
  unit: 'iops' | 'bytes';
  /** 0 = the least the device delivered per busy second, 1 = the most; geometric in between. */
  position: number;
  /** This level's index among `count` (0 = the tightest). */
  index: number;
  count: number;
}

export interface CapSpec {
  /** Each zone not named in perZone gets its weight's share of the device's median delivered IOPS (or of `level`). */
  auto: boolean;
  /** With auto: share out this ladder level instead of the median IOPS. */
  level?: CapLevel | null;
  /** Limit for every zone not named in perZone (overrides auto when set). */
  all: CapLimit | null;
  /** Per-zone limits; a null value means "no cap" for that zone. Keys are zone names. */
  perZone: Map<string, CapLimit | null>;
  /** Token-bucket depth in seconds of the rate (Linux io.max: one 100 ms slice). */
  burstS: number;
  /** The spec as the user wrote it (for params). */
  text: string;
}

/** What `cap auto` shares out on one device: a capacity per second among the zones using it. */
export interface AutoCapBasis {
  /** IOPS or bytes/s (`unit`) the device's zones share; null or ≤ 0: unknown, nobody is capped. */
  capacity: number | null;
  unit: 'iops' | 'bytes';
  /** Σ of the positive weights of the zones with IO on the device. */
  sumWeights: number;
  /** How many zones have IO on the device. */
  zones: number;
}

/** The capacity a ladder level shares out on a device (min · (max/min)^position), or null when unknown. */
export function levelCapacity(device: DeviceInfo, level: CapLevel): number | null {
  const range = device.capacityRange?.[level.unit] ?? null;
  if (!range || !(range[0] > 0) || !(range[1] >= range[0])) return null;
  return range[0] * (range[1] / range[0]) ** level.position;
}

/**
 * The limit that applies to a zone (by name and weight) on a device, or null (uncapped). Shared
 * with the fluid replay of interval inputs, so both read a --cap spec the same way.
 */
export function capLimit(spec: CapSpec, zone: string, weight: number, basis: AutoCapBasis): CapLimit | null {
  if (spec.perZone.has(zone)) return spec.perZone.get(zone) ?? null;
  if (spec.all) return spec.all;
  if (!spec.auto) return null;
  const cap = basis.capacity;
  if (cap === null || !(cap > 0)) return null;
  let share: number;
  if (basis.sumWeights <= 0) share = cap / Math.max(1, basis.zones);
  else if (!(weight > 0)) return null; // weight 0 is "never delayed" (SmartOS); no static share to give it
  else share = (cap * weight) / basis.sumWeights;
  return basis.unit === 'iops' ? { iops: share, bytesPerS: null } : { iops: null, bytesPerS: share };
}

/** The auto basis of the device a policy instance runs on: one pass over the zones. */
function autoCapBasis(ctx: PolicyContext, spec: CapSpec): AutoCapBasis {
  let sumWeights = 0;
  let zones = 0;
  for (let i = 0; i < ctx.zones.length; i++) {
    if (!ctx.zoneOnDevice[i]) continue;
    zones++;
    if (ctx.zones[i].weight > 0) sumWeights += ctx.zones[i].weight;
  }
  const level = spec.level ?? null;
  if (level) return { capacity: levelCapacity(ctx.device, level), unit: level.unit, sumWeights, zones };
  return { capacity: ctx.device.medianIops, unit: 'iops', sumWeights, zones };
}

/**
 * The token buckets of one device's zones, and which queued zone's head may start first. A zone's
 * buckets change only when it starts an IO, and its head only then or when it arrives at an
 * empty queue, so the time its head becomes eligible is fixed in between: the refill is linear,
 * tokens(t) = tokens(last) + rate · (t − last), and the head needs `need` of them at
 * last + (need − tokens(last)) / rate. Zones wait in a heap by that time until the clock reaches
 * it, then in a heap by their head's arrival sequence: a pick is O(log zones), not a pass over
 * every queued zone (on the 50-zone benchmark trace that pass makes cap's simulation cost 1.33 s
 * of CPU per 1M IOs instead of 0.73).
 */
class Cap implements Policy {
  startAt = 0;
  timerAt = Infinity;
  private readonly rI: Float64Array; // tokens per ns, 0 = uncapped
  private readonly bI: Float64Array; // bucket size
  private readonly tI: Float64Array; // tokens at `last`
  private readonly rB: Float64Array;
  private readonly bB: Float64Array;
  private readonly tB: Float64Array;
  private readonly last: Float64Array;
  /** ns per token (1 / rI, 1 / rB), computed from the limit directly: a whole-number rate then schedules whole nanoseconds. */
  private readonly pI: Float64Array;
  private readonly pB: Float64Array;
  /** Queued zones whose head is not yet eligible, by (eligible time, head's sequence). */
  private readonly waiting = new IssueHeap();
  /** Queued zones whose head is eligible (at or before the clock), by the head's sequence. */
  private readonly ready = new IssueHeap();

  constructor(private readonly ctx: PolicyContext, opts: PolicyOptions) {
    const n = ctx.zones.length;
    this.rI = new Float64Array(n);
    this.bI = new Float64Array(n);
    this.tI = new Float64Array(n);
    this.rB = new Float64Array(n);
    this.bB = new Float64Array(n);
    this.tB = new Float64Array(n);
    this.last = new Float64Array(n).fill(-Infinity);
    this.pI = new Float64Array(n);
    this.pB = new Float64Array(n);
    const burst = opts.cap.burstS > 0 ? opts.cap.burstS : 0.1;
    const basis = autoCapBasis(ctx, opts.cap); // once per device: the zones' limits share it
    for (let z = 0; z < n; z++) {
      const c = capLimit(opts.cap, ctx.zones[z].name, ctx.zones[z].weight, basis);
      if (c?.iops != null && c.iops > 0) {
        this.rI[z] = c.iops / 1e9;
        this.pI[z] = 1e9 / c.iops;
        this.bI[z] = Math.max(1, c.iops * burst);
        this.tI[z] = this.bI[z];
      }
      if (c?.bytesPerS != null && c.bytesPerS > 0) {
        this.rB[z] = c.bytesPerS / 1e9;
        this.pB[z] = 1e9 / c.bytesPerS;
        this.bB[z] = Math.max(1, c.bytesPerS * burst);
        this.tB[z] = this.bB[z];
      }
    }
  }

  /**
   * Queues zone z, whose head has just changed, by when that head may start: the later of the
   * times its two buckets hold what it needs (an IO larger than the bucket needs a full one).
   */
  private schedule(z: number): void {
    const head = this.ctx.queues.peek(z);
    let e = -Infinity;
    const rI = this.rI[z];
    if (rI > 0) {
      const need = this.bI[z] < 1 ? this.bI[z] : 1;
      if (this.tI[z] < need) e = this.last[z] + (need - this.tI[z]) * this.pI[z];
    }
    const rB = this.rB[z];
    if (rB > 0) {
      const bytes = this.ctx.slots.bytes[head];
      const need = bytes < this.bB[z] ? bytes : this.bB[z];
      if (this.tB[z] < need) {
        const w = this.last[z] + (need - this.tB[z]) * this.pB[z];
        if (w > e) e = w;
      }
    }
    const seq = this.ctx.slots.seq[head];
    if (e <= this.ctx.clock) {
      this.ready.pk = seq;
      this.ready.pq = 0;
      this.ready.push(z);
    } else {
      this.waiting.pk = e;
      this.waiting.pq = seq;
      this.waiting.push(z);
    }
  }

  arrive(zone: number): void {
    if (this.ctx.queues.len[zone] === 1) this.schedule(zone);
  }

  pick(): number {
    const now = this.ctx.clock;
    const w = this.waiting;
    const r = this.ready;
    while (w.n > 0 && w.k[0] <= now) {
      r.pk = w.q[0];
      r.pq = 0;
      r.push(w.pop());
    }
    if (r.n > 0) {
      this.startAt = now;
      return r.first();
    }
    this.startAt = w.k[0];
    return w.first();
  }

  started(z: number, slot: number): void {
    // z is the zone pick() named, at the top of its heap: nothing happens between a pick and its start
    if (this.ready.n > 0) this.ready.pop();
    else this.waiting.pop();
    const s = this.ctx.clock;
    const last = this.last[z];
    const dt = last === -Infinity ? 0 : s - last;
    if (this.rI[z] > 0) this.tI[z] = Math.min(this.bI[z], this.tI[z] + this.rI[z] * dt) - 1;
    if (this.rB[z] > 0) this.tB[z] = Math.min(this.bB[z], this.tB[z] + this.rB[z] * dt) - this.ctx.slots.bytes[slot];
    this.last[z] = s;
    if (this.ctx.queues.len[z] > 0) this.schedule(z);
  }

  completed(): void {}
  timer(): void {}
}

function fmtLimit(c: CapLimit | null): string {
  if (!c) return 'none';
  const parts: string[] = [];
  if (c.iops != null) parts.push(`${+c.iops.toPrecision(4)}iops`);
  if (c.bytesPerS != null) parts.push(`${+(c.bytesPerS / 1e6).toPrecision(4)}MB/s`);
  return parts.join('+') || 'none';
}

export const cap: PolicyFactory = {
  name: 'cap',
  workConserving: false,
  description: 'static per-zone IOPS/bandwidth cap, io.max-like token bucket (not work-conserving)',
  params(opts, zones, devices) {
    const c = opts.cap;
    const p: Record<string, unknown> = { spec: c.text, burst_s: c.burstS };
    if (c.auto && c.level) {
      const level = c.level;
      p.level = level.index + 1;
      p.levels = level.count;
      p.unit = level.unit;
      p.basis = `each zone's weight share of level ${level.index + 1} of ${level.count} between the least and the most ${level.unit === 'iops' ? 'IOPS' : 'bytes/s'} its device delivered per busy second`;
      p.capacity_per_s = devices.map((d) => ({ device: d.name, per_s: levelCapacity(d, level) }));
    } else if (c.auto) {
      p.basis = "each zone's weight share of the device's median delivered IOPS per busy second";
      p.median_iops = devices.map((d) => ({ device: d.name, iops: d.medianIops }));
    }
    if (c.all) p.all = fmtLimit(c.all);
    const per: { zone: string; limit: string }[] = [];
    for (const [zone, lim] of c.perZone) per.push({ zone, limit: fmtLimit(lim) });
    if (per.length) p.zones = per;
    void zones;
    return p;
  },
  create: (ctx, opts) => new Cap(ctx, opts),
  warnings(ctx, opts) {
    const c = opts.cap;
    if (!c.auto || c.all) return [];
    if (c.level) {
      if (levelCapacity(ctx.device, c.level) === null)
        return [`cap ladder: device ${ctx.device.name} has no measured capacity range (no busy second); its zones are not capped on the ladder`];
      return [];
    }
    if (ctx.device.medianIops === null || !(ctx.device.medianIops > 0))
      return [`cap auto: device ${ctx.device.name} has no measured capacity (no busy second); its zones are not capped`];
    return [];
  },
};
