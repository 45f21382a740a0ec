// fifo: serve IOs in the order they were issued, never idle. The model's baseline: replayed over
// the observed arrivals it reproduces a single-server device exactly (Lindley's recursion), and a
// FIFO device of K slots with the services calibrated for it (../fifo-slots.ts). A
// closed-loop zone's IOs are issued when the model lets them, not always in trace order, so the
// order is by the model's issue time (each zone queue holds its IOs in that order), ties by trace
// order.

import type { Policy, PolicyContext, PolicyFactory } from '../contract.js';

class Fifo implements Policy {
  startAt = 0;
  timerAt = Infinity;
  constructor(private readonly ctx: PolicyContext) {}

  arrive(): void {}

  pick(): number {
    const q = this.ctx.queues;
    const sl = this.ctx.slots;
    let best = -1;
    let bestT = Infinity;
    let bestSeq = Infinity;
    for (let k = 0; k < q.nActive; k++) {
      const z = q.active[k];
      const h = q.peek(z);
      const t = sl.arrival[h];
      const s = sl.seq[h];
      if (t < bestT || (t === bestT && s < bestSeq)) {
        bestT = t;
        bestSeq = s;
        best = z;
      }
    }
    this.startAt = this.ctx.clock;
    return best;
  }

  started(): void {}
  completed(): void {}
  timer(): void {}
}

export const fifo: PolicyFactory = {
  name: 'fifo',
  workConserving: true,
  description: 'arrival order, never idle (the model baseline)',
  params: () => ({}),
  create: (ctx) => new Fifo(ctx),
};
