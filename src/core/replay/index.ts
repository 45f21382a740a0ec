// The replay: what-if simulations of the trace's IO under other policies (static caps, the
// SmartOS zone throttle, fair queuing), each per device, against a fifo baseline that reproduces
// what happened. This module is its public entry; the work is in:
//
//   plan.ts          what a replay is asked for and returns, and the simulations it runs
//   loop-class.ts    each zone's loop model, from its trace (and the store's device use)
//   ladder.ts        the cap ladder: its levels, and the frontier they draw
//   run.ts           the single pass over the store (runReplays, replayDevices by device)
//   combine.ts       per-device parts into per-policy results
//   fidelity.ts      how well the baseline model reproduces the observation
//   pairing.ts       each IO's model latency against the baseline's: reported latency
//   device-sim.ts    the discrete-event simulation of one device (K slots)
//   fifo-slots.ts    a FIFO device of K slots: per-IO service calibration, the baseline's model
//   contract.ts      what a policy sees and implements; the policies are in ./policies/
//   queues.ts, closed-loop.ts, spill.ts    the simulation's per-IO state
//   types.ts         the store's IO records, zones, devices, the spill area

export { combineReplays, loopName, workLost } from './combine.js';
export { capLadderOf, ladderFor, ladderSpec, LADDER_LEVELS, type LadderSpec } from './ladder.js';
export { AUTO_LOOP, chooseLoop, scanStore, type LoopEvidence, type LoopSpec } from './loop-class.js';
export type { LoopModel } from './contract.js';
export { fidelityWarning, type ReplayFidelity, type ZoneFidelity } from './fidelity.js';
export type { CapLimit, CapSpec } from './policies/cap.js';
export { findPolicy } from './policies/index.js';
export { DEFAULT_THROTTLE, type ThrottleProbe, type ThrottleTunables } from './policies/throttle.js';
export { knownPolicyNames, type ReplayOptions, type ReplayResult, type ReplayRunner } from './plan.js';
export { deviceUse, replayDevices, runReplays, type DeviceUse, type ReplayPart } from './run.js';
