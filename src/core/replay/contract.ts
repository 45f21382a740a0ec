// What a replay policy sees and implements. The device simulation (./device-sim.ts) knows no
// policy by name: a policy is a `PolicyFactory` (one file each in ./policies/, listed in
// ./policies/index.ts) that makes one `Policy` per device per simulation, and the simulation calls
// it at every event. The policy sees the simulation through `PolicyContext`: the clock, the
// device and its zones, its parallelism K and how many of its K slots are busy, the IOs in flight
// (`Slots`) and the zone queues. The policy is the device's dispatch queue: whenever a slot is
// free and IO is queued, it names the zone whose head goes next and when. Every zone queue is FIFO,
// which all policies here (fifo, cap, throttle, fair) satisfy; a policy that reorders within a
// zone would need its own queue.

import type { CapSpec } from './policies/cap.js';
import type { ThrottleTunables } from './policies/throttle.js';
import type { Slots, ZoneQueues } from './queues.js';
import type { DeviceInfo, ZoneInfo } from './types.js';

/**
 * Open: IOs arrive at their observed issue times. Closed: an IO arrives when the zone's own
 * earlier IOs have completed in the model, plus the observed think time.
 */
export type LoopModel = 'open' | 'closed';

export interface PolicyOptions {
  cap: CapSpec;
  throttle: ThrottleTunables;
}

/** What a policy instance (one per device per simulation) may see. */
export interface PolicyContext {
  /** The time (ns) of the event being processed: the time of every Policy call. */
  readonly clock: number;
  readonly deviceIndex: number;
  readonly device: DeviceInfo;
  readonly zones: readonly ZoneInfo[];
  /** 1 for zones with IO on this device (known before the replay), else 0. */
  readonly zoneOnDevice: Uint8Array;
  /** K: how many IOs the device serves at once (1: a single server). */
  readonly parallelism: number;
  /** IOs in service now (≤ parallelism). */
  readonly running: number;
  readonly slots: Slots;
  readonly queues: ZoneQueues;
  /**
   * Time (ns) up to t during which at least one IO was in service (%busy as iostat's %b and
   * zfs_zone.c measure it; at K = 1 the work done), for t ≥ the last event processed.
   */
  busyTime(t: number): number;
}

/**
 * One policy's behaviour on one device. Every call happens at `ctx.clock`, which is not passed:
 * these calls are polymorphic (one class per policy) and often not inlined, and a double passed
 * to (or returned from) a call that is not inlined is boxed. Passing times cost ~60 bytes of
 * garbage per IO per simulation on the 1M trace (allocation sampling).
 */
export interface Policy {
  /** IO `slot` of `zone` has just been queued (pushed on its zone queue). */
  arrive(zone: number, slot: number): void;
  /**
   * A slot is free and at least one IO is queued: return the zone whose head to start next and
   * set `startAt` (≥ ctx.clock) to when it may start. The simulation re-asks if anything else (an
   * arrival, a completion, a timer) happens before `startAt`, and again after each start while a
   * slot is free.
   */
  pick(): number;
  startAt: number;
  /** The head of `zone` (slot, already popped) starts service. */
  started(zone: number, slot: number): void;
  /** `slot` completed and freed its slot (its model latency: ctx.clock − ctx.slots.arrival[slot]). */
  completed(zone: number, slot: number): void;
  /** Next timer (absolute ns), Infinity for none; `timer()` is called when it fires. */
  timerAt: number;
  timer(): void;
}

export interface PolicyFactory {
  name: string;
  /** Work-conserving policies never leave a slot idle while IO is queued (invariant tests use it). */
  workConserving: boolean;
  /** One-line description for --help. */
  description: string;
  params(opts: PolicyOptions, zones: readonly ZoneInfo[], devices: readonly DeviceInfo[]): Record<string, unknown>;
  create(ctx: PolicyContext, opts: PolicyOptions): Policy;
  /** Warnings about the parameters for this device (e.g. cap auto without a capacity). */
  warnings?(ctx: PolicyContext, opts: PolicyOptions): string[];
}
