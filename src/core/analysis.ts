// The Analysis value the core produces and every renderer reads. Field names follow the JSON
// contract (DESIGN.md, schema_version 1) so the json renderer is a plain serialisation; numbers
// that are undefined for the input (no latency, no fair time) are null, never NaN/Infinity.

import type { Fidelity, Platform, ZoneKind } from '../records.js';
import type { HistogramJson } from './histogram.js';

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
  busy_s: number;
  utilization: number | null;
  capacity_iops: { min: number | null; p50: number | null; max: number | null };
  /** max / min of capacity_iops (the seed argument: how much achievable IOPS varied). */
  capacity_ratio: number | null;
  capacity_bytes_per_s: { min: number | null; p50: number | null; max: number | null };
  busy_seconds: number;
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
}

export interface PolicyZoneResult {
  zone: string;
  ops_completed: number;
  latency_us: { mean: number | null; p50: number | null; p99: number | null; max: number | null };
  /** Mean latency under the policy ÷ mean latency under the baseline (fifo). */
  slowdown: number | null;
  /** The zone's reported latency under the policy (event input only; null otherwise). */
  latency_histogram: HistogramJson | null;
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

export interface Analysis {
  schema_version: 1;
  tool: { name: string; version: string };
  input: InputInfo;
  devices: DeviceResult[];
  zones: ZoneResult[];
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
  verdict: Verdict | null;
  /** Event input only; null otherwise. */
  timeline: Timeline | null;
  warnings: string[];
}
