// Pairing each IO's model latency under a policy with the baseline's, into the reported latency.
//
// Reported per-IO latency under a policy = observed latency + (the policy's model latency − the
// baseline fifo's model latency), bounded below by min(observed, the policy's
// model latency) so that no IO is reported faster than both what happened and what the model
// says. The baseline fifo therefore reproduces the observation exactly. A policy records an IO
// once it and its baseline have completed it: on a device where every zone is replayed open loop
// at once (the baseline's latency is known at arrival); where some zone is replayed closed loop, a
// lagging policy's pairs wait (see Collector), and what waits beyond a bound, as in an overload
// under a cap, goes to the spill area, so memory does not grow with the trace.

import type { Histogram } from '../histogram.js';
import { doubledRing } from '../typed.js';
import { C_BASELINE, C_LATENCY, C_OBSERVED, C_ORDER, type CompletionSink } from './device-sim.js';
import { SPILL_STRIDE, type SpillArea } from './types.js';

/** A FIFO of numbers in a power-of-two ring. */
class NumFifo {
  private buf = new Float64Array(8);
  private head = 0;
  n = 0;

  push(x: number): void {
    if (this.n === this.buf.length) {
      this.buf = doubledRing(this.buf, this.head, this.n);
      this.head = 0;
    }
    this.buf[(this.head + this.n++) & (this.buf.length - 1)] = x;
  }

  shift(): number {
    const x = this.buf[this.head];
    this.head = (this.head + 1) & (this.buf.length - 1);
    this.n--;
    return x;
  }
}

/**
 * One simulation's completions of one zone's IOs on one device, put back in zone order: under the
 * closed loop an IO can issue, and so complete, before an earlier one of its zone (its
 * dependency completed sooner). Holds only the IOs completed ahead of an earlier one.
 */
class InOrder {
  /** Zone-order index of the next IO to hand on. */
  next = 0;
  private head = 0;
  private lat = new Float64Array(8);
  private obs = new Float64Array(8);
  private has = new Uint8Array(8);
  held = 0;

  put(order: number, lat: number, obs: number): void {
    const d = order - this.next;
    if (d >= this.has.length) this.grow(d + 1);
    const i = (this.head + d) & (this.has.length - 1);
    this.lat[i] = lat;
    this.obs[i] = obs;
    this.has[i] = 1;
    this.held++;
  }

  /** Whether the next IO in zone order has completed. */
  ready(): boolean {
    return this.has[this.head] === 1;
  }

  headLat(): number {
    return this.lat[this.head];
  }

  headObs(): number {
    return this.obs[this.head];
  }

  pop(): void {
    this.has[this.head] = 0;
    this.head = (this.head + 1) & (this.has.length - 1);
    this.next++;
    this.held--;
  }

  private grow(min: number): void {
    let n = this.has.length * 2;
    while (n < min) n *= 2;
    const m = this.has.length - 1;
    const lat = new Float64Array(n);
    const obs = new Float64Array(n);
    const has = new Uint8Array(n);
    for (let d = 0; d <= m; d++) {
      const i = (this.head + d) & m;
      lat[d] = this.lat[i];
      obs[d] = this.obs[i];
      has[d] = this.has[i];
    }
    this.lat = lat;
    this.obs = obs;
    this.has = has;
    this.head = 0;
  }
}

/**
 * A FIFO of numbers in fixed-size chunks, like NumFifo, whose middle chunks go to the spill area
 * (when there is one): the baseline pairs a lagging policy has not taken yet, which under a
 * binding cap grow with the trace. The slowest reader reads at the head and the others near the
 * tail, so the head chunk and the newest two stay in memory; a spilled chunk a reader reaches is
 * read back and kept until the head passes it.
 */
export class ChunkFifo {
  private readonly size: number;
  /** Chunks from the head's; null: spilled (its handle in `handles`). */
  private chunks: (Float64Array | null)[] = [];
  private handles: number[] = [];
  /** Index in `chunks` of the head chunk, and of the head number within it. */
  private c0 = 0;
  private off = 0;
  n = 0;

  constructor(private readonly spill: SpillArea | null) {
    this.size = spill ? spill.chunkIos * SPILL_STRIDE : 4096;
  }

  push(x: number): void {
    const end = this.off + this.n;
    const ci = this.c0 + Math.floor(end / this.size);
    if (ci === this.chunks.length) {
      this.chunks.push(new Float64Array(this.size));
      this.handles.push(-1);
      // the chunk before the previous one leaves memory, unless it is the head's
      const old = ci - 2;
      if (this.spill !== null && old > this.c0 && this.chunks[old] !== null) {
        this.handles[old] = this.spill.write(this.chunks[old]!);
        this.chunks[old] = null;
      }
    }
    this.chunks[ci]![end % this.size] = x;
    this.n++;
  }

  at(i: number): number {
    const a = this.off + i;
    return this.chunk(this.c0 + Math.floor(a / this.size))[a % this.size];
  }

  shift(): number {
    const x = this.chunk(this.c0)[this.off];
    this.n--;
    if (++this.off === this.size || this.n === 0) {
      if (this.off === this.size) {
        this.chunks[this.c0] = null;
        this.c0++;
      }
      this.off = this.n === 0 ? 0 : this.off % this.size;
      if (this.n === 0) {
        this.chunks.length = 0;
        this.handles.length = 0;
        this.c0 = 0;
      } else if (this.c0 > 64 && this.c0 * 2 > this.chunks.length) {
        this.chunks.splice(0, this.c0);
        this.handles.splice(0, this.c0);
        this.c0 = 0;
      }
    }
    return x;
  }

  private chunk(ci: number): Float64Array {
    let c = this.chunks[ci];
    if (c === null) {
      c = this.chunks[ci] = new Float64Array(this.size);
      this.spill!.read(this.handles[ci], c);
      this.handles[ci] = -1;
    }
    return c;
  }
}

/**
 * A paired device (some zone closed loop): the pairing of one zone's IOs on it. Each simulation's
 * completions are put in zone order (InOrder), so what waits is two kinds of FIFO: the baseline's
 * (observed, model) latency pairs of IOs some policy has not completed yet, and each policy's
 * model latencies of IOs the baseline has not completed yet. Memory: 16 bytes per IO the slowest policy lags behind
 * the baseline (under a binding cap, a growing backlog: spilled), 8 per IO a policy runs ahead.
 */
class ZonePairs {
  /** IOs taken in zone order from each simulation (index 0: the baseline). */
  readonly done: Int32Array;
  readonly inOrder: InOrder[] = [];
  /** Zone-order index of the baseline pair at the head of `base`. */
  lo = 0;
  /** (observed, baseline model) latency per IO from `lo` on. */
  readonly base: ChunkFifo;
  /** Per policy: model latencies of IOs from done[0] on. */
  readonly ahead: NumFifo[] = [];

  constructor(nSims: number, spill: SpillArea | null) {
    this.base = new ChunkFifo(spill);
    this.done = new Int32Array(nSims);
    for (let s = 0; s < nSims; s++) {
      this.ahead.push(new NumFifo());
      this.inOrder.push(new InOrder());
    }
  }

  /** Drops the baseline pairs every policy has taken. */
  trim(): void {
    let min = this.done[0];
    for (let s = 1; s < this.done.length; s++) if (this.done[s] < min) min = this.done[s];
    while (this.lo < min && this.base.n > 0) {
      this.base.shift();
      this.base.shift();
      this.lo++;
    }
  }
}

function record(h: Histogram, obs: number, l: number, base: number): void {
  let rep = obs + (l - base);
  const floor = obs < l ? obs : l;
  if (rep < floor) rep = floor;
  h.record(rep);
}

/**
 * Records the reported latencies of the simulations of one device; simulation 0 is the baseline
 * fifo. Each (simulation, IO) is recorded as soon as both it and the baseline have completed the
 * IO, so what a policy's histograms hold, and the order their floating-point sums are taken in,
 * depends on that policy and the baseline alone: not on the other policies replayed alongside,
 * nor on which thread replays them.
 *
 * Every zone on the device open loop: the baseline's latency of an IO is known at its arrival (the
 * device simulation computes it, Lindley), so every simulation records an IO when it completes it
 * and nothing is kept here. The baseline itself reproduces the observation: it is recorded as the
 * IOs are read.
 *
 * Some zone closed loop (`paired`): the baseline is simulated like any policy, so an IO completed
 * by one simulation waits for the other (ZonePairs): 16 bytes per IO a policy lags behind the
 * baseline, as under a binding cap, in a ChunkFifo whose middle goes to the spill area.
 */
export class Collector implements CompletionSink {
  private readonly pairs: (ZonePairs | null)[];
  private readonly closed: boolean;

  constructor(
    paired: boolean,
    private readonly nSims: number,
    /** hist[sim][zone] of reported latency (ns) on this collector's device. */
    private readonly hist: Histogram[][],
    /** A paired device: the baseline's model latencies go here (fidelity); null: none. */
    private readonly modelHist: Histogram | null,
    /** ... and per zone here. */
    private readonly zoneModel: Histogram[] | null,
    nZones: number,
    private readonly spill: SpillArea | null,
    /** Summary only: nothing is recorded or paired (but the fidelity's model latencies). */
    private readonly summary: boolean,
  ) {
    this.closed = paired;
    this.pairs = [];
    for (let z = 0; z < nZones; z++) this.pairs.push(null);
  }

  /** An IO read from the store (unpaired: the baseline's result is the observation). */
  add(zone: number, obsLatency: number): void {
    if (!this.closed && !this.summary) this.hist[0][zone].record(obsLatency);
  }

  done(sim: number, zone: number, c: Float64Array): void {
    const lat = c[C_LATENCY];
    if (this.summary) {
      if (sim === 0) {
        this.modelHist?.record(lat);
        this.zoneModel?.[zone].record(lat);
      }
      return;
    }
    const obs = c[C_OBSERVED];
    if (!this.closed) {
      if (sim !== 0) record(this.hist[sim][zone], obs, lat, c[C_BASELINE]);
      return;
    }
    const order = c[C_ORDER];
    const p = this.pairs[zone] ?? (this.pairs[zone] = new ZonePairs(this.nSims, this.spill));
    const q = p.inOrder[sim];
    if (order === q.next && q.held === 0) {
      q.next++;
      this.take(p, sim, zone, lat, obs);
      return;
    }
    q.put(order, lat, obs);
    while (q.ready()) {
      const l = q.headLat();
      const o = q.headObs();
      q.pop();
      this.take(p, sim, zone, l, o);
    }
  }

  /** Simulation `sim`'s model latency of the zone's next IO in zone order. */
  private take(p: ZonePairs, sim: number, zone: number, lat: number, obs: number): void {
    const k = p.done[sim]++;
    if (sim === 0) {
      this.hist[0][zone].record(obs); // obs + (lat − lat) ≥ min(obs, lat)
      this.modelHist?.record(lat);
      this.zoneModel?.[zone].record(lat);
      let behind = false;
      for (let s = 1; s < this.nSims; s++) {
        if (p.done[s] > k) record(this.hist[s][zone], obs, p.ahead[s].shift(), lat);
        else behind = true;
      }
      if (behind) {
        if (p.base.n === 0) p.lo = k;
        p.base.push(obs);
        p.base.push(lat);
      }
    } else if (k < p.done[0]) {
      const i = (k - p.lo) * 2;
      record(this.hist[sim][zone], p.base.at(i), lat, p.base.at(i + 1));
      p.trim();
    } else p.ahead[sim].push(lat);
  }
}
