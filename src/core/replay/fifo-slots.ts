// A device of K slots behind one FIFO queue, as arithmetic on arrival order alone: an IO starts
// at the later of its arrival and the moment the earliest of the K slots frees, and holds that
// slot until it completes. It serves two purposes on a device replayed with K > 1 slots:
//
// - Calibration (SlotCalibration): each IO's service is what a FIFO K-slot device must have spent
//   on it to complete it when the trace says, s_i = done_i − max(issue_i, earliest free slot).
//   On a device that is a FIFO K-server this recovers every service exactly, so the baseline fifo
//   replay reproduces every observed latency. At K = 1 it is busy-period decomposition:
//   s_i = done_i − max(issue_i, done_{i−1}) = done_i − max(done_{i−1}, start of the busy period).
//   A device that reorders (an IO completes before the slot it would have waited for frees:
//   processor sharing, NCQ) gets s_i = 0 for that IO and a model completion later than observed:
//   the fidelity report measures how much.
// - The baseline's latency of each IO at its arrival (DeviceSim.ingestAt), the same arithmetic
//   as the fifo simulation, so pairing a policy with the baseline needs no second simulation.
//
// The slots' free times are a binary min-heap: O(log K) per IO, K numbers per device.

/** The FIFO model of K slots: when each next IO in arrival order starts, and which slot it takes. */
export class FifoSlots {
  /** Min-heap of the slots' free times (-Infinity: never used). */
  private readonly free: Float64Array;

  constructor(readonly k: number) {
    this.free = new Float64Array(k).fill(-Infinity);
  }

  /** The earliest time a slot is free. */
  get earliest(): number {
    return this.free[0];
  }

  /** The IO that starts now takes the earliest-free slot until `end`. */
  occupy(end: number): void {
    const h = this.free;
    const k = this.k;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= k) break;
      const r = l + 1;
      const c = r < k && h[r] < h[l] ? r : l;
      if (!(h[c] < end)) break;
      h[i] = h[c];
      i = c;
    }
    h[i] = end;
  }
}

/**
 * Per-IO service calibration of one device with K slots, fed its IOs in arrival order. After
 * `next`, `service` is the IO's calibrated service and `modelLatency` its latency under the FIFO
 * K-slot model with those services (equal to the observed latency unless the device reordered).
 * Fields, not return values: a double returned from a call that is not inlined is boxed.
 */
export class SlotCalibration {
  private readonly slots: FifoSlots;
  service = 0;
  modelLatency = 0;

  constructor(k: number) {
    this.slots = new FifoSlots(k);
    // a double representation from the start (see DeviceSim's constructor)
    this.service = this.modelLatency = 0.5;
    this.service = this.modelLatency = 0;
  }

  /** The IO issued at `arrival` and completed `latency` later (both ns). */
  next(arrival: number, latency: number): void {
    const f = this.slots.earliest;
    const start = arrival > f ? arrival : f;
    const done = arrival + latency;
    const s = done - start;
    this.service = s > 0 ? s : 0;
    const end = start + this.service;
    this.slots.occupy(end);
    this.modelLatency = end - arrival;
  }
}
