// Moving a simulation's queued IO out of memory and back. An open-loop replay under a binding cap
// queues IO for as long as the trace lasts (arrivals outpace the cap), and so does a closed-loop
// zone whose IOs wait for a lagging dependency: without a bound, memory would grow with the trace.
// Given a SpillArea (./types.ts), a zone queue or closed-loop wait list that holds `spillAt` IOs
// in memory writes its newest IOs out, each as the fields of its slot (S_ARRIVAL …) in chunks of
// `chunkIos`, and frees their slots; as it drains, it reads the oldest chunk back behind the IOs
// still in memory. Queues and wait lists are FIFO, so each zone's overflow is written and read
// back in order.

import type { ClosedZone } from './closed-loop.js';
import type { Slots, ZoneQueues } from './queues.js';
import type { SpillArea } from './types.js';

/** Numbers per spilled IO: the fields of its slot (./queues.ts, Slots), at these offsets. */
export const SPILL_STRIDE = 10;
const S_ARRIVAL = 0; // Slots.arrival
const S_COST = 1; // Slots.cost
const S_BYTES = 2; // Slots.bytes
const S_SEQ = 3; // Slots.seq
const S_ORD = 4; // Slots.ord
const S_SCRATCH = 5; // Slots.a, the policy's scratch
const S_OBS_LATENCY = 6; // Slots.obsLat
const S_OBS_DONE = 7; // Slots.obsDone
const S_DEP = 8; // Slots.dep
const S_WRITE = 9; // Slots.write

/** One zone's spilled IOs (the newest of its queue): chunks in the spill area, then `tail`. */
export class Overflow {
  handles: number[] = [];
  hHead = 0;
  tail: Float64Array;
  tailN = 0;
  count = 0;
  constructor(chunkIos: number) {
    this.tail = new Float64Array(chunkIos * SPILL_STRIDE);
  }
}

/** One simulation's spilling: its zones' overflows, and the moves between slots and the spill area. */
export class Spiller {
  /** A zone queue (or wait list) spills its newest IOs once it holds this many in memory (see SpillArea.queuedBudget). */
  readonly spillAt: number;
  /** IOs per chunk. */
  readonly chunkIos: number;
  /** Per zone: the zone queue's overflow, allocated at the zone's first spill. */
  readonly queued: (Overflow | null)[] = [];
  /** The slots the last `spillIn` brought back, in order (replaced when too small). */
  refilled = new Int32Array(0);
  private chunkBuf: Float64Array | null = null;

  constructor(
    private readonly area: SpillArea,
    private readonly slots: Slots,
    nZones: number,
    /** Zones with IO on the simulation's device: they share area.queuedBudget. */
    zonesOnDevice: number,
  ) {
    this.chunkIos = area.chunkIos;
    const share = area.queuedBudget === undefined ? area.spillAt : Math.floor(area.queuedBudget / Math.max(1, zonesOnDevice));
    this.spillAt = Math.min(area.spillAt, Math.max(2 * area.chunkIos, share));
    for (let z = 0; z < nZones; z++) this.queued.push(null);
  }

  newOverflow(): Overflow {
    return new Overflow(this.chunkIos);
  }

  /** Moves zone z's newest queued IO (just arrived) out of memory. */
  spillTail(q: ZoneQueues, z: number): void {
    const o = this.queued[z] ?? (this.queued[z] = this.newOverflow());
    this.spillOut(o, q.ringPopTail(z));
  }

  /** Brings zone z's oldest spilled IOs back into memory, behind the ones there. */
  refill(q: ZoneQueues, z: number): void {
    const o = this.queued[z]!;
    while (o.count > 0 && q.rlen[z] + this.chunkIos <= this.spillAt) {
      const n = this.spillIn(o, z);
      const r = this.refilled; // after spillIn, which may have replaced it
      for (let k = 0; k < n; k++) q.ringPush(z, r[k]);
    }
  }

  /** Closed loop: brings the zone's IOs spilled while waiting back, behind the ones still waiting, if there is room. */
  refillWaits(cz: ClosedZone, z: number): void {
    if (cz.wLen + this.chunkIos <= this.spillAt) {
      const n = this.spillIn(cz.ovf!, z);
      for (let j = 0; j < n; j++) cz.pushWait(this.refilled[j]);
    }
  }

  /** Writes slot s (all its fields) at the end of overflow o and frees the slot. */
  spillOut(o: Overflow, s: number): void {
    const sl = this.slots;
    const t = o.tail;
    const i = o.tailN * SPILL_STRIDE;
    t[i + S_ARRIVAL] = sl.arrival[s];
    t[i + S_COST] = sl.cost[s];
    t[i + S_BYTES] = sl.bytes[s];
    t[i + S_SEQ] = sl.seq[s];
    t[i + S_ORD] = sl.ord[s];
    t[i + S_SCRATCH] = sl.a[s];
    t[i + S_OBS_LATENCY] = sl.obsLat[s];
    t[i + S_OBS_DONE] = sl.obsDone[s];
    t[i + S_DEP] = sl.dep[s];
    t[i + S_WRITE] = sl.write[s];
    sl.release(s);
    o.count++;
    if (++o.tailN === this.chunkIos) {
      o.handles.push(this.area.write(t));
      o.tailN = 0;
    }
  }

  /** Takes the oldest chunk (or the partial tail) of overflow o back into slots of zone z, listed in `refilled`. */
  spillIn(o: Overflow, z: number): number {
    const sl = this.slots;
    let src: Float64Array;
    let n: number;
    if (o.hHead < o.handles.length) {
      src = this.chunkBuf ?? (this.chunkBuf = new Float64Array(this.chunkIos * SPILL_STRIDE));
      this.area.read(o.handles[o.hHead++], src);
      if (o.hHead === o.handles.length) {
        o.handles.length = 0;
        o.hHead = 0;
      }
      n = this.chunkIos;
    } else {
      src = o.tail;
      n = o.tailN;
      o.tailN = 0;
    }
    const r = this.refilled.length >= n ? this.refilled : (this.refilled = new Int32Array(this.chunkIos));
    for (let k = 0, i = 0; k < n; k++, i += SPILL_STRIDE) {
      const s = sl.alloc();
      sl.zone[s] = z;
      sl.arrival[s] = src[i + S_ARRIVAL];
      sl.cost[s] = src[i + S_COST];
      sl.bytes[s] = src[i + S_BYTES];
      sl.seq[s] = src[i + S_SEQ];
      sl.ord[s] = src[i + S_ORD];
      sl.a[s] = src[i + S_SCRATCH];
      sl.obsLat[s] = src[i + S_OBS_LATENCY];
      sl.obsDone[s] = src[i + S_OBS_DONE];
      sl.dep[s] = src[i + S_DEP];
      sl.write[s] = src[i + S_WRITE];
      r[k] = s;
    }
    o.count -= n;
    return n;
  }
}
