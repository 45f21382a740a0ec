// The thresholds the verdict judges by: one set, used by the core's selection (src/core/verdict.ts,
// src/core/replay/ladder.ts), carried in the JSON report (verdict.thresholds) and read by every
// renderer, so the table, the JSON and the sentences agree.

export const THRESHOLDS = {
  /**
   * A policy costs performance when it left a device idle while IO waited for more than this
   * share of the window (first arrival to last observed completion): that IO, and the work
   * queued behind it, finished later than under any order that keeps the device busy.
   */
  cost: 0.01,
  /** A zone's p99 is named when it at least doubles or halves (a factor of this either way). */
  p99_factor: 2,
  /** Already fair: Jain's index over the measured device-time shares is at least this. */
  fair_jain: 0.95,
  /** A cap protects a zone as well as fair queuing when the zone's p99 is within this (relative) of its p99 under fair. */
  protect_tolerance: 0.1,
  /** Zones named in one list before the rest are counted ("and 4 more zones"). */
  zones_named: 3,
} as const;

export type Thresholds = typeof THRESHOLDS;

/**
 * When the report warns that the replay's model reproduces the observation poorly, so that its
 * what-if numbers are rough (src/core/analyze.ts). Not verdict thresholds: they judge the model,
 * not a policy.
 */
export const FIDELITY_LIMITS = {
  /** The RMS distance between the fifo model's and the observed latency distributions, % of the observed mean. */
  rms_pct: 50,
  /**
   * A zone's p50 or p99 under the fifo model off the observed by more than this, % of the
   * observed. Twice the 15 % a FIFO model of the device's slots should reach on a device that
   * is one; a processor-sharing device misses it by far (its short IOs overtake long ones, which
   * the FIFO model makes them wait for).
   */
  zone_error_pct: 30,
} as const;
