// fair: start-time fair queuing (SFQ, Goyal/Vin/Cheng 1996) by zone weight, charged in device
// time; on a device of K slots, SFQ(D) with D = K (Jin, Chase, Kaur, SIGMETRICS 2004): the same
// tags, and up to D IOs dispatched at once. On arrival an IO gets start tag S = max(v, F_prev of
// its zone) and finish tag F = S + cost / weight; each free slot takes the smallest start tag; v
// is the start tag of the IO last dispatched, and at the end of a busy period (nothing queued,
// nothing in service) v jumps to the largest finish tag served. Work-conserving: it only reorders.

import type { Policy, PolicyContext, PolicyFactory } from '../contract.js';

class Fair implements Policy {
  startAt = 0;
  timerAt = Infinity;
  private v = 0;
  private maxF = 0;
  private readonly lastF: Float64Array;
  private readonly w: Float64Array;

  constructor(private readonly ctx: PolicyContext) {
    const n = ctx.zones.length;
    this.lastF = new Float64Array(n);
    this.w = new Float64Array(n);
    let minPos = Infinity;
    for (const z of ctx.zones) if (z.weight > 0 && z.weight < minPos) minPos = z.weight;
    if (minPos === Infinity) minPos = 1;
    // weight 0: served only when nobody else is (a tiny weight keeps tags finite)
    for (let z = 0; z < n; z++) this.w[z] = ctx.zones[z].weight > 0 ? ctx.zones[z].weight : minPos * 1e-6;
  }

  arrive(zone: number, slot: number): void {
    const sl = this.ctx.slots;
    const S = this.v > this.lastF[zone] ? this.v : this.lastF[zone];
    const F = S + sl.cost[slot] / this.w[zone];
    sl.a[slot] = S;
    this.lastF[zone] = F;
  }

  pick(): number {
    const q = this.ctx.queues;
    const sl = this.ctx.slots;
    let best = -1;
    let bS = Infinity;
    let bSeq = Infinity;
    for (let k = 0; k < q.nActive; k++) {
      const z = q.active[k];
      const h = q.peek(z);
      const S = sl.a[h];
      if (S < bS || (S === bS && sl.seq[h] < bSeq)) {
        bS = S;
        bSeq = sl.seq[h];
        best = z;
      }
    }
    this.startAt = this.ctx.clock;
    return best;
  }

  started(zone: number, slot: number): void {
    const sl = this.ctx.slots;
    this.v = sl.a[slot];
    const F = this.v + sl.cost[slot] / this.w[zone];
    if (F > this.maxF) this.maxF = F;
  }

  completed(): void {
    if (this.ctx.queues.total === 0 && this.ctx.running === 0 && this.maxF > this.v) this.v = this.maxF;
  }

  timer(): void {}
}

export const fair: PolicyFactory = {
  name: 'fair',
  workConserving: true,
  description: 'start-time fair queuing by zone weight in device time, SFQ(D) on a device of D slots (work-conserving)',
  params: () => ({ algorithm: 'SFQ', charge: 'device time', weights: 'zone weights' }),
  create: (ctx) => new Fair(ctx),
};
