// The closed loop's state for one zone on one device. Replaying arrivals as traced (the open loop)
// ignores that a zone which blocks on its IO issues less when its IO is slowed down; under the
// closed loop the zone's k-th IO, issued with `depth` of the zone's IOs outstanding on the device
// (itself included), waits for the zone's (k − depth)-th completion in the model, then issues
// after the think time the trace shows (its observed issue minus the observed completion it
// waited for), never earlier than observed. `ClosedZone` keeps what that needs: the zone's recent
// completions (model and observed times) and its IOs waiting for theirs. The device simulation
// (./device-sim.ts) does the releasing.

import { doubledRing } from '../typed.js';
import type { Overflow } from './spill.js';

/** Closed-loop bookkeeping for one zone on one device. */
export class ClosedZone {
  issued = 0; // zone-order index of the next IO to arrive
  /**
   * The zone's completions in the model so far. An IO waits for the zone's (k − depth)-th
   * completion: the (k − depth)-th IO when the zone's IOs are issued in arrival order, but a
   * shallower IO can be released, and so complete, before a deeper earlier one (see InOrder in
   * ./pairing.ts), so this counts completions, not IOs.
   */
  completed = 0;
  // small at first: one per zone per device per closed-loop simulation, thousands of zones
  hsim = new Float64Array(8); // model time of the k-th completion (ring, ≥ 2 × depth)
  hobs = new Float64Array(8); // observed completion of the IO that completed k-th (ring)
  wait = new Int32Array(4); // slots waiting for their dependency (FIFO ring)
  wHead = 0;
  wLen = 0;
  /** The newest waiting IOs, spilled out of memory (./spill.ts), behind those in `wait`. */
  ovf: Overflow | null = null;

  ensureHistory(depth: number): void {
    if (depth * 2 <= this.hsim.length) return;
    let n = this.hsim.length;
    while (n < depth * 2) n *= 2;
    const hs = new Float64Array(n);
    const ho = new Float64Array(n);
    const m = this.hsim.length - 1;
    // keep the most recent entries at their new positions
    const from = Math.max(0, this.completed - this.hsim.length);
    for (let k = from; k < this.completed; k++) {
      hs[k & (n - 1)] = this.hsim[k & m];
      ho[k & (n - 1)] = this.hobs[k & m];
    }
    this.hsim = hs;
    this.hobs = ho;
  }

  pushWait(slot: number): void {
    if (this.wLen === this.wait.length) {
      this.wait = doubledRing(this.wait, this.wHead, this.wLen);
      this.wHead = 0;
    }
    this.wait[(this.wHead + this.wLen) & (this.wait.length - 1)] = slot;
    this.wLen++;
  }
}
