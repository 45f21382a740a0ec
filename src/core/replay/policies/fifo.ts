// fifo: serve IOs in arrival order, never idle. The model's baseline: replayed open-loop over the
// observed arrivals it reproduces a single-server device exactly (Lindley's recursion).

import type { Policy, PolicyContext, PolicyFactory } from '../contract.js';

class Fifo implements Policy {
  startAt = 0;
  timerAt = Infinity;
  constructor(private readonly ctx: PolicyContext) {}

  arrive(): void {}

  pick(): number {
    const q = this.ctx.queues;
    const seq = this.ctx.slots.seq;
    let best = -1;
    let bestSeq = Infinity;
    for (let k = 0; k < q.nActive; k++) {
      const z = q.active[k];
      const s = seq[q.peek(z)];
      if (s < bestSeq) {
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
