// The Analysis value the core produces and every renderer reads. Field names follow the JSON
// contract (DESIGN.md, schema_version 1) so the json renderer is a plain serialisation; numbers
// that are undefined for the input (no latency, no fair time) are null, never NaN/Infinity.

import type { Fidelity, Platform } from '../records.js';

export interface LatencySummaryUs {
  mean: number | null;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  p999: number | null;
  max: number | null;
}

export interface InputInfo {
  sources: string[];
  format: string;
  /** Whose tools produced the input: advice is worded for that platform. */
  platform: Platform;
  fidelity: Fidelity;
  records: number;
  skipped: number;
  /** Skipped lines by reason code (src/records.ts SKIP_CODES); codes with no skip are left out. */
  skipped_by_reason: Record<string, number>;
  events_lost: number;
  start_s: number | null;
  end_s: number | null;
  duration_s: number | null;
  partial: boolean;
}

export interface DeviceResult {
  device: string;
  ops: number;
  /** Time with at least one IO in flight (s). */
  busy_s: number;
  /** Share of the device's capacity in use over the span: service_s ÷ (parallelism × span); for a serial disk, the fraction of time it was busy. */
  utilization: number | null;
  /** Delivered IOPS per busy second (busy = the share of the device's capacity in use). */
  capacity_iops: { min: number | null; p50: number | null; max: number | null };
  /** max / min of capacity_iops (the seed argument: how much achievable IOPS varied). */
  capacity_ratio: number | null;
  capacity_bytes_per_s: { min: number | null; p50: number | null; max: number | null };
  busy_seconds: number;
  /** How many IOs the device serves at once (K); null when the input cannot tell. */
  parallelism: number | null;
  /** Where `parallelism` comes from: estimated from the trace, given by --parallelism, or never more than one IO in flight. */
  parallelism_source: 'estimated' | 'option' | 'serial' | null;
  parallelism_evidence: ParallelismEvidenceResult | null;
  /** Service the device delivered (s of one unit: ∫ min(n, K) dt over IOs in flight n); what its zones' device times add up to. */
  service_s: number | null;
  /** How device time is measured on this device (see README, "What the numbers mean"). */
  attribution: DeviceAttribution | null;
  /** The device's linear cost model fitted to the device time of its IOs; null without events. */
  cost_model: CostModelResult | null;
}

export type DeviceAttribution =
  /** serial device: busy-period decomposition */
  | 'busy_period'
  /** FIFO queue in front of K units: each IO charged while it held one of them */
  | 'fifo_slots'
  /** the device shares min(n, K) units among its n IOs in flight */
  | 'shared_slots'
  /** --cost model: the fitted cost model's cost of each IO */
  | 'cost_model'
  /** interval inputs: %util × duration */
  | 'utilization'
  /** interval inputs: ops × the device's service time (illumos asvc_t), at most parallelism × busy time */
  | 'service_time'
  /** interval inputs: mean IOs in flight (aqu-sz, actv) × duration, at most parallelism × busy time */
  | 'queue_depth';

export interface ParallelismEvidenceResult {
  /** Most IOs in flight at once. */
  max_in_flight: number;
  /** 95 % interval of the estimate (null when not estimated). */
  range: { low: number; high: number } | null;
  /** Whether the trace shows the device levelling off below max_in_flight (else the estimate is a lower bound). */
  saturated: boolean | null;
  /** IOs the estimate and the attribution were decided on (the device's first ones). */
  from_ios: number;
  /**
   * Of the completions while more than `parallelism` IOs were in flight, the share that finished
   * while `parallelism` earlier-issued IOs were still in flight (impossible behind a FIFO queue);
   * null when there were none.
   */
  overtaken_share: number | null;
  /**
   * Of the IOs that arrived at the idle device, the share some later IO completed before: 0 on a
   * device serving one IO at a time without preempting (the test for seriality); over from_ios.
   */
  lone_overtaken_share: number | null;
}

export interface CostModelResult {
  /** Cost per IO and per 4 KiB page (µs of one unit of the device); null when the trace does not determine it. */
  read_rand_io_us: number | null;
  read_seq_io_us: number | null;
  read_page_us: number | null;
  write_rand_io_us: number | null;
  write_seq_io_us: number | null;
  write_page_us: number | null;
  /** Whether IO offsets were known (else sequential and random are not told apart). */
  offsets_known: boolean;
  /** Fit quality over the device's IOs: R² of per-IO device time, and RMS error ÷ mean device time. */
  r2: number | null;
  rms_relative_error: number | null;
  ios: number;
  /** Linux iocost parameters (io.cost.model), per second of the whole device; null where undetermined. */
  io_cost_model: { rbps: number | null; rseqiops: number | null; rrandiops: number | null; wbps: number | null; wseqiops: number | null; wrandiops: number | null };
  /** The line to write to /sys/fs/cgroup/io.cost.model (MAJ:MIN when the trace named the device so). */
  io_cost_model_line: string;
}

export interface ZoneResult {
  zone: string;
  weight: number;
  ops: number;
  read_ops: number;
  write_ops: number;
  bytes: number;
  iops: number | null;
  bytes_per_s: number | null;
  latency_us: LatencySummaryUs;
  device_time_s: number | null;
  device_share: number | null;
  fair_share: number | null;
  deviation: number | null;
}

export interface PolicyZoneResult {
  zone: string;
  ops_completed: number;
  latency_us: { mean: number | null; p50: number | null; p99: number | null; max: number | null };
  /** Mean latency under the policy ÷ mean latency under the baseline (fifo). */
  slowdown: number | null;
}

export interface PolicyResult {
  policy: string;
  params: Record<string, unknown>;
  loop: 'open' | 'closed';
  throughput_loss: number | null;
  idle_while_waiting_s: number | null;
  makespan_s: number | null;
  jain: number | null;
  zones: PolicyZoneResult[];
}

export interface VerdictPart {
  costs_performance: boolean | null;
  throughput_loss: number | null;
  summary: string;
}

export interface Verdict {
  capping: VerdictPart;
  throttling: VerdictPart;
  recommendation: string;
}

/** What zones' device time (and so device_share, fair_share, deviation) is measured in. */
export type ShareMeasure =
  /** events: service each IO received from its device (see devices[].attribution) */
  | 'service'
  /** events with --cost model: each IO's cost under its device's fitted cost model */
  | 'cost_model'
  /** intervals: ops × mean latency (IO time in flight, queueing included) */
  | 'io_time'
  /** intervals: ops × the device's service time (illumos asvc_t) */
  | 'device_io_time'
  /** intervals without latency (cgroup io.stat): ops */
  | 'ops';

export interface Analysis {
  schema_version: 1;
  tool: { name: string; version: string };
  input: InputInfo;
  devices: DeviceResult[];
  zones: ZoneResult[];
  /** What device_time_s, device_share and fair_share are measured in; null when no zone has one. */
  share_measure: ShareMeasure | null;
  fairness: { jain: number | null; min_max_ratio: number | null };
  policies: PolicyResult[];
  verdict: Verdict | null;
  warnings: string[];
}
