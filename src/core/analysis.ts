// The Analysis value the core produces and every renderer reads. Field names follow the JSON
// contract (DESIGN.md, schema_version 1) so the json renderer is a plain serialisation; numbers
// that are undefined for the input (no latency, no fair time) are null, never NaN/Infinity.

import type { Fidelity, Platform, ZoneKind } from '../records.js';
import type { HistogramJson } from './histogram.js';
import type { Thresholds } from './thresholds.js';

export type { HistogramJson };

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
  /**
   * 'tenant', or what else the zone stands for ('kernel': IO no tenant was charged for;
   * 'unknown': the trace does not name the issuer). Only tenants enter the fairness index and
   * the verdict; the others' shares are still reported.
   */
  kind?: ZoneKind;
  weight: number;
  ops: number;
  read_ops: number;
  write_ops: number;
  bytes: number;
  iops: number | null;
  bytes_per_s: number | null;
  latency_us: LatencySummaryUs;
  device_time_s: number | null;
  /** The zone's fair (GPS) device time: fair_share × the devices' busy time; kept so reports can be merged. */
  fair_time_s: number | null;
  device_share: number | null;
  fair_share: number | null;
  deviation: number | null;
  /** Issue-to-completion latency of every IO (event input only; null otherwise). */
  latency_histogram: HistogramJson | null;
  /** The loop model the replay used for the zone and why (event input with a replay; else absent or null). */
  loop?: ZoneLoop | null;
}

/**
 * A zone's loop model in the replay: `model` as chosen (`source`: by --loop, or from the trace),
 * with the trace's evidence (src/core/replay/loop-class.ts): of its `issues` after its first, the
 * fraction `follow_fraction` came within `gap_us` (a quarter of its median time between issues)
 * of its latest completion with no issue in between; Poisson arrivals would score
 * `poisson_fraction`; `suggests` is what that evidence points to (closed from half of its issues,
 * with at least 20 judged).
 */
export interface ZoneLoop {
  model: 'open' | 'closed';
  source: 'trace' | 'option';
  issues: number;
  follow_fraction: number | null;
  poisson_fraction: number;
  gap_us: number | null;
  suggests: 'open' | 'closed';
}

/** Work in three units: IOs, bytes, device seconds (null where the input cannot say). */
export interface WorkAmount {
  ops: number;
  bytes: number | null;
  device_s: number | null;
}

/** Shares of a WorkAmount (0..1; null where undefined). */
export interface WorkFractions {
  ops: number | null;
  bytes: number | null;
  device_s: number | null;
}

export interface PolicyZoneResult {
  zone: string;
  /** IOs completed within the window (first arrival to last observed completion). */
  ops_completed: number;
  latency_us: { mean: number | null; p50: number | null; p99: number | null; max: number | null };
  /** Mean latency under the policy ÷ mean latency under the baseline (fifo). */
  slowdown: number | null;
  /** The zone's reported latency under the policy (event input only; null otherwise). */
  latency_histogram: HistogramJson | null;
  /** The zone's IOs not completed within the window (still queued, in service or not yet issued at its end). */
  backlog_ops: number | null;
  /** When the zone's last IO completed, seconds after the window's start (its traced work finished). */
  finish_s: number | null;
  /** A closed-loop zone: how much later than observed its IOs were issued (p50, p99); null for an open-loop zone. */
  issue_lag_us: { p50: number | null; p99: number | null } | null;
}

export interface PolicyDeviceResult {
  device: string;
  /** The device's slots in the replay (--parallelism), when more than one; absent: a single server. */
  slots?: number;
  /**
   * Time the device sat idle while IO it could have served waited, within the window; on a
   * device of several slots, slot time ÷ slots (each free slot counts 1/slots).
   */
  idle_while_waiting_s: number;
  /** That time ÷ the window. */
  idle_while_waiting_frac: number | null;
}

export interface PolicyResult {
  policy: string;
  params: Record<string, unknown>;
  /** Loop model of the replay: every zone open, every zone closed, or per zone (zones[].loop). */
  loop: 'open' | 'closed' | 'per-zone';
  /**
   * Device time fifo delivered within the window that this policy did not deliver within it, as
   * a fraction of fifo's (0 when it delivered as much or more): work_lost.device_s. At interval
   * fidelity, where device time per op is not visible, the same for IOs (work_lost.ops).
   */
  throughput_loss: number | null;
  /** Σ over devices of their idle_while_waiting_s (device seconds; see devices[] per device). */
  idle_while_waiting_s: number | null;
  /** The largest devices[].idle_while_waiting_frac: the policy's cost (THRESHOLDS.cost). */
  idle_while_waiting_frac: number | null;
  devices: PolicyDeviceResult[];
  makespan_s: number | null;
  jain: number | null;
  /** Work completed within the window. */
  in_window: WorkAmount | null;
  /** The trace's work not completed within the window (queued, in service or not yet issued at its end). */
  backlog: WorkAmount | null;
  /** 1 − in_window ÷ fifo's in_window per unit (0 when it did as much or more); null where fifo did none. */
  work_lost: WorkFractions | null;
  zones: PolicyZoneResult[];
}

/** A zone's p99 under a policy against fifo's (the observation). */
export interface ZoneP99Change {
  zone: string;
  before_us: number;
  after_us: number;
  /** after ÷ before */
  ratio: number;
}

export interface VerdictPart {
  costs_performance: boolean | null;
  /** The policy's throughput_loss (device time not delivered within the window, against fifo). */
  throughput_loss: number | null;
  summary: string;
  /** The policy's idle_while_waiting_frac, which costs_performance compares with thresholds.cost. */
  cost: number | null;
  work_lost: WorkFractions | null;
  /** Every zone whose p99 at least doubled (worst first) or at least halved (most helped first). */
  raised: ZoneP99Change[];
  cut: ZoneP99Change[];
}

/** The verdict's findings for one replayed policy (what the table shows beside each row). */
export interface PolicyFinding {
  policy: string;
  cost: number | null;
  costs_performance: boolean | null;
  /** The device that sat idle longest while IO waited (its entry in the policy's devices[]). */
  worst_device: PolicyDeviceResult | null;
  raised: ZoneP99Change[];
  cut: ZoneP99Change[];
}

export interface Verdict {
  capping: VerdictPart;
  throttling: VerdictPart;
  fair: VerdictPart | null;
  /** The cap ladder's conclusion (numbers in the report's cap_ladder), or null when it was not replayed. */
  cap_ladder: string | null;
  /** Which loop model each zone was replayed under, in a sentence. */
  loop: string | null;
  recommendation: string;
  /** The replayed policy the recommendation prefers, or null (none needed, or none helps). */
  recommended_policy: string | null;
  thresholds: Thresholds;
  /** Jain's index of the measured shares (fairness.jain), which "already fair" reads. */
  measured_jain: number | null;
  already_fair: boolean | null;
  policies: PolicyFinding[];
}

/** One level of the cap ladder (see src/core/replay/ladder.ts). */
export interface CapLadderLevel {
  /** 1 = the tightest. */
  level: number;
  /** Per device: what the level shares out (IOPS or bytes/s per the ladder's unit). */
  capacity_per_s: { device: string; per_s: number | null }[];
  /** The protected zone's limit at this level on each device it uses. */
  protected_limit_per_s: { device: string; per_s: number | null }[];
  in_window: WorkAmount | null;
  work_lost: WorkFractions | null;
  throughput_loss: number | null;
  idle_while_waiting_s: number | null;
  idle_while_waiting_frac: number | null;
  /** The device that sat idle longest while IO waited (its entry in the level's devices; null: none idled). */
  worst_device: PolicyDeviceResult | null;
  /** The protected zone's p99 at this level, and its IOs not completed within the window. */
  protected_p99_us: number | null;
  protected_backlog_ops: number | null;
  /** p99 within thresholds.protect_tolerance of its p99 under fair; null without a protected zone. */
  protects: boolean | null;
  costs_performance: boolean | null;
  /**
   * The protected zone's p99 at this level ÷ its p99 under fair (1: as well as fair queuing): the
   * frontier's protection axis. Null without a protected zone. (Filled by src/core/frontier.ts.)
   */
  protected_p99_vs_fair?: number | null;
  /** Each device's idle time while IO waited at this level. */
  devices?: PolicyDeviceResult[];
  /** Every zone's results at this level (as policies[].zones[], without the histogram). */
  zones?: LadderZoneResult[];
}

/** A zone's results at one level of the cap ladder. */
export type LadderZoneResult = Omit<PolicyZoneResult, 'latency_histogram'>;

export interface CapLadder {
  unit: 'iops' | 'bytes';
  burst_s: number;
  /** The zone fifo hurts most against fair (largest fifo p99 ÷ fair p99, at least thresholds.p99_factor), or null: none is hurt. */
  protected_zone: string | null;
  protected_fifo_p99_us: number | null;
  protected_fair_p99_us: number | null;
  levels: CapLadderLevel[];
  /** The level that protects the zone with the least idle time, or null: none protects it. */
  cheapest_protecting_level: number | null;
  /** Among the levels that do not cost performance, the one with the lowest p99 for the zone, or null. */
  best_free_level: number | null;
  /** Whether some level protects the zone without costing performance; null without a protected zone. */
  protects_without_cost: boolean | null;
  /**
   * The frontier's reference points, beside the levels: fifo (the observation) and fair queuing,
   * each as its cost (idle_while_waiting_frac) and the protected zone's p99 ÷ its p99 under fair
   * (fair's is 1; null without a protected zone). (Filled by src/core/frontier.ts.)
   */
  reference?: { policy: 'fifo' | 'fair'; cost: number | null; work_lost_device_s: number | null; protected_p99_vs_fair: number | null }[];
}

/**
 * Device time and fair time per zone over the trace, in equal buckets (at most 120) from start_s:
 * bucket i covers [start_s + i·bucket_s, start_s + (i+1)·bucket_s). busy_s[i] is the devices'
 * busy time in the bucket (Σ of every zone's device_time_s[i]); a zone's share in a bucket is
 * device_time_s[i] / busy_s[i], its fair share fair_time_s[i] / busy_s[i].
 */
export interface Timeline {
  start_s: number;
  bucket_s: number;
  busy_s: number[];
  zones: { zone: string; device_time_s: number[]; fair_time_s: number[] }[];
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
  /** intervals: the tool's own device time (iotop DISKTIME, iocost cost.usage) or the device's busy time per op */
  | 'device_time'
  /** intervals without latency (cgroup io.stat): ops */
  | 'ops'
  /** intervals that count bytes but no ops (pidstat -d, iotop) */
  | 'bytes';

export interface Analysis {
  schema_version: 1;
  tool: { name: string; version: string };
  input: InputInfo;
  devices: DeviceResult[];
  zones: ZoneResult[];
  /** What device_time_s, device_share and fair_share are measured in; null when no zone has one. */
  share_measure: ShareMeasure | null;
  fairness: {
    jain: number | null;
    min_max_ratio: number | null;
    /**
     * What device_share and fair_share are shares of, when not device time: interval inputs that
     * count ops but no latency ('ops'), or bytes but no ops ('bytes'). Absent means device time.
     */
    share_basis?: 'ops' | 'bytes';
  };
  policies: PolicyResult[];
  /** The cap ladder (event input, when cap is replayed and --cap-ladder is not none), else null. */
  cap_ladder: CapLadder | null;
  verdict: Verdict | null;
  /** Event input only; null otherwise. */
  timeline: Timeline | null;
  warnings: string[];
}
