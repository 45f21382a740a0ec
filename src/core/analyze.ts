// The core's entry point: receives records of any fidelity and produces one Analysis (plus the
// verdict's numbers, which the report turns into sentences).
//
// Fidelity decides what is possible: events → everything including the per-IO replay;
// intervals → shares, capacity and the fluid replay; histograms → latency distributions only.

import type { IntervalSample, LatencyHistogram, Op, ZoneKind } from '../records.js';
import type { Analysis, InputInfo, PolicyResult, ZoneLoop, ZoneResult } from './analysis.js';
import { EventObserver, type ObserveResult } from './observe.js';
import type { DeviceInfo, ReplayStore } from './replay/types.js';
import {
  AUTO_LOOP,
  capLadderOf,
  chooseLoop,
  fidelityWarning,
  ladderFor,
  runReplays,
  scanStore,
  type ReplayFidelity,
  type ReplayOptions,
  type ReplayResult,
  type ReplayRunner,
} from './replay/index.js';
import { IntervalAnalyzer } from './intervals.js';
import { HistogramAnalyzer } from './histograms.js';
import { computeVerdict, type VerdictFindings } from './verdict.js';
import { withFrontier } from './frontier.js';
import { atSeconds } from './timeline.js';
import { jain } from './stats.js';
import { FIDELITY_LIMITS, THRESHOLDS } from './thresholds.js';

export type InputSummary = Pick<InputInfo, 'sources' | 'format' | 'platform' | 'skipped' | 'skipped_by_reason' | 'events_lost' | 'partial'>;

export interface AnalyzeOptions {
  toolVersion: string;
  weightOf: (zone: string) => number | undefined;
  /** --parallelism: a device's parallelism (and replay slots), or undefined to estimate it (events) or leave it unknown (intervals). */
  parallelismOf?: (device: string) => number | undefined;
  /** --cost: device time by measured service (default) or by each device's fitted cost model. */
  costBy?: 'service' | 'model';
  reorderWindowNs: number;
  /** Where the observe pass keeps IOs for the replay (ignored when replay is null). */
  store: ReplayStore;
  /** The what-if replay, or null for --policy none. */
  replay: ReplayOptions | null;
  /** Compute the share timeline (default true; see ObserveOptions.timeline). */
  timeline?: boolean;
  /** Runs the event replay (default runReplays, one thread; the cli spreads it over threads). */
  replayRunner?: ReplayRunner;
}

/** The analysis plus what the report needs to word the verdict. */
export interface AnalysisResult {
  analysis: Analysis & { replay_fidelity?: ReplayFidelity };
  verdict: VerdictFindings | null;
}

export class Analyzer {
  readonly events: EventObserver;
  private readonly intervals = new IntervalAnalyzer();
  private intervalCount = 0;
  private readonly hists = new HistogramAnalyzer();
  private histCount = 0;
  /** Zones a parser declared not to be tenants (RecordSink.zoneKind). */
  private readonly kinds = new Map<string, ZoneKind>();

  constructor(private readonly opts: AnalyzeOptions) {
    this.events = new EventObserver({
      weightOf: opts.weightOf,
      parallelismOf: opts.parallelismOf,
      costBy: opts.costBy,
      reorderWindowNs: opts.reorderWindowNs,
      store: opts.replay && opts.replay.policies.length ? opts.store : null,
      timeline: opts.timeline,
    });
  }

  io(zone: string, device: string, op: Op, bytes: number, issueNs: number, doneNs: number, weight?: number, offset?: number): void {
    this.events.io(zone, device, op, bytes, issueNs, doneNs, weight, offset);
  }

  /** See EventObserver.zoneIdOf / deviceIdOf / ioIds: io() with names interned once by the caller. */
  zoneIdOf(zone: string, weight?: number): number {
    return this.events.zoneIdOf(zone, weight);
  }

  deviceIdOf(device: string): number {
    return this.events.deviceIdOf(device);
  }

  ioIds(zoneId: number, deviceId: number, write: number, bytes: number, issueNs: number, doneNs: number, offset?: number): void {
    this.events.ioIds(zoneId, deviceId, write, bytes, issueNs, doneNs, offset);
  }

  /** See EventObserver.ioAt: write, bytes, issue, done and offset (NaN: none) at rec[o..o+4]. */
  ioAt(zoneId: number, deviceId: number, rec: Float64Array, o: number): void {
    this.events.ioAt(zoneId, deviceId, rec, o);
  }

  interval(s: IntervalSample): void {
    this.intervalCount++;
    this.intervals.add(s);
  }

  histogram(h: LatencyHistogram): void {
    this.histCount++;
    this.hists.add(h);
  }

  /** See RecordSink.zoneKind. */
  zoneKind(zone: string, kind: ZoneKind): void {
    if (kind === 'tenant') this.kinds.delete(zone);
    else this.kinds.set(zone, kind);
  }

  get records(): number {
    return this.events.records + this.intervalCount + this.histCount;
  }

  /** Ends the pass, runs the replay, and returns everything. */
  finish(input: InputSummary, toSeconds: (ns: number) => number): AnalysisResult {
    if (this.events.records > 0) return this.fromEvents(this.events.finish(), input, toSeconds, true);
    if (this.intervalCount > 0) return this.fromIntervals(input, toSeconds);
    return this.fromHistograms(input);
  }

  /** What has been read so far, without ending the pass or replaying (--every). */
  snapshot(input: InputSummary, toSeconds: (ns: number) => number): Analysis {
    if (this.events.records > 0) return this.fromEvents(this.events.snapshot(), input, toSeconds, false).analysis;
    if (this.intervalCount > 0) return this.fromIntervals(input, toSeconds, false).analysis;
    return this.fromHistograms(input).analysis;
  }

  private base(input: InputSummary, fidelity: InputInfo['fidelity'], records: number): Analysis {
    return {
      schema_version: 1,
      tool: { name: 'iofair', version: this.opts.toolVersion },
      input: { ...input, fidelity, records, start_s: null, end_s: null, duration_s: null },
      devices: [],
      zones: [],
      share_measure: null,
      fairness: { jain: null, min_max_ratio: null },
      policies: [],
      cap_ladder: null,
      verdict: null,
      timeline: null,
      warnings: [],
    };
  }

  /**
   * Sets every zone's kind and says what the zones that are not tenants took. Returns whether
   * any zone is not a tenant.
   */
  private markKinds(a: Analysis): boolean {
    let others = false;
    for (const z of a.zones) {
      z.kind = this.kinds.get(z.zone) ?? 'tenant';
      if (z.kind !== 'tenant') others = true;
    }
    if (!others) return false;
    for (const z of a.zones) {
      if (z.kind === 'tenant') continue;
      const share = z.device_share !== null ? `${+(z.device_share * 100).toPrecision(3)} % of the device time` : `${z.ops} IO(s)`;
      a.warnings.push(
        z.kind === 'kernel'
          ? `zone '${z.zone}' is IO no tenant was charged for (kernel threads such as kworker and jbd2: writeback, journal, swap; with cgroups, the root cgroup): it took ${share}; it is shown but not ranked among tenants (fairness index, verdict)`
          : `zone '${z.zone}' is IO whose issuer the trace does not name: it took ${share}; it is shown but not ranked among tenants (fairness index, verdict)`,
      );
    }
    return true;
  }

  private mixedWarning(a: Analysis): void {
    const ignored: string[] = [];
    if (a.input.fidelity !== 'intervals' && this.intervalCount) ignored.push(`${this.intervalCount} interval sample(s)`);
    if (a.input.fidelity !== 'histograms' && this.histCount) ignored.push(`${this.histCount} histogram(s)`);
    if (ignored.length) a.warnings.push(`the input mixes fidelities: ${ignored.join(' and ')} ignored in favour of the ${a.input.fidelity}`);
  }

  private fromEvents(obs: ObserveResult, input: InputSummary, toSeconds: (ns: number) => number, replay: boolean): AnalysisResult {
    const a: AnalysisResult['analysis'] = this.base(input, 'events', obs.records);
    const span = obs.span;
    if (span) {
      a.input.start_s = toSeconds(span.startNs);
      a.input.end_s = toSeconds(span.endNs);
      a.input.duration_s = (span.endNs - span.startNs) / 1e9;
    }
    a.devices = obs.devices;
    a.zones = obs.zones;
    a.share_measure = obs.shareMeasure;
    this.markKinds(a);
    a.fairness = fairness(obs.zones);
    a.timeline = atSeconds(obs.timeline, toSeconds);
    a.warnings.push(...obs.warnings);
    this.mixedWarning(a);
    let verdict: VerdictFindings | null = null;
    const ro = this.opts.replay;
    if (replay && ro && ro.policies.length && span) {
      const rr = this.replay(obs, ro, span, a);
      a.policies = rr.policies;
      a.replay_fidelity = rr.fidelity;
      a.warnings.push(...rr.warnings);
      const poor = fidelityWarning(rr.fidelity, FIDELITY_LIMITS.rms_pct, FIDELITY_LIMITS.zone_error_pct, THRESHOLDS.zones_named);
      if (poor !== null) a.warnings.push(poor);
      verdict = computeVerdict(a, rr.hidden.find((p) => p.policy === 'fifo') ?? null);
    } else if (!ro || !ro.policies.length) {
      a.warnings.push('no what-if replay (--policy none)');
    }
    return { analysis: a, verdict };
  }

  /**
   * The event replay: each zone's loop model (from --loop and its trace, shown in zones[].loop),
   * the policies asked for, and the cap ladder when cap is among them (in a.cap_ladder).
   */
  private replay(obs: ObserveResult, ro: ReplayOptions, span: NonNullable<ObserveResult['span']>, a: Analysis): ReplayResult {
    const store = this.opts.store;
    const plan = prepareReplay(store, obs, ro, this.opts.parallelismOf);
    plan.loops.forEach((l, i) => (a.zones[i].loop = l));
    const rr = (this.opts.replayRunner ?? runReplays)(store, obs.zoneInfo, plan.devices, span, plan.opts, plan.use);
    if (plan.opts.ladder) {
      const find = (name: string) => rr.policies.find((p) => p.policy === name) ?? rr.hidden.find((p) => p.policy === name) ?? null;
      const ladder = capLadderOf(plan.opts.ladder, ro.cap.burstS, rr.ladder, find('fifo'), find('fair'), obs.zoneInfo, a.zones, plan.devices, plan.use.onDevice);
      a.cap_ladder = withFrontier(ladder, rr.ladder, find('fifo'), find('fair'));
    }
    return rr;
  }

  private fromIntervals(input: InputSummary, toSeconds: (ns: number) => number, replay = true): AnalysisResult {
    const ro = this.opts.replay;
    const r = this.intervals.finish({
      weights: (z) => this.opts.weightOf(z) ?? 1,
      parallelismOf: this.opts.parallelismOf,
      policies: replay && ro ? ro.policies : [],
      replay: ro ? { cap: ro.cap, throttle: ro.throttle } : null,
    });
    const a = this.base(input, 'intervals', this.intervalCount);
    if (r.startNs !== null && r.endNs !== null) {
      a.input.start_s = toSeconds(r.startNs);
      a.input.end_s = toSeconds(r.endNs);
      a.input.duration_s = (r.endNs - r.startNs) / 1e9;
    }
    a.devices = r.devices;
    a.zones = r.zones;
    a.share_measure = r.shareMeasure;
    a.fairness = this.markKinds(a) ? { ...r.fairness, ...fairness(r.zones) } : r.fairness;
    a.timeline = atSeconds(r.timeline, toSeconds);
    a.policies = r.policies;
    a.warnings.push(...r.warnings);
    this.mixedWarning(a);
    const verdict = replay && r.policies.length ? computeVerdict(a) : null;
    return { analysis: a, verdict };
  }

  private fromHistograms(input: InputSummary): AnalysisResult {
    const r = this.hists.finish(input.platform);
    const a = this.base(input, 'histograms', r.zones.reduce((s, z) => s + z.ops, 0));
    a.zones = r.zones;
    this.markKinds(a);
    a.fairness = fairness(r.zones);
    a.warnings.push(...r.warnings);
    this.mixedWarning(a);
    return { analysis: a, verdict: null };
  }
}

/**
 * What the event replay runs, from the observe pass and the options: each zone's loop model (the
 * option's, or what its trace suggests, with the evidence), the devices with their delivered
 * capacity range (the cap ladder's levels), which zones use which device, and the replay options
 * with the zones' loop models and the ladder (when cap is replayed and --cap-ladder is not none).
 */
export function prepareReplay(store: ReplayStore, obs: ObserveResult, ro: ReplayOptions, parallelismOf?: (device: string) => number | undefined) {
  const { evidence, use } = scanStore(store, obs.zoneInfo.length, obs.deviceInfo.length);
  const spec = ro.loopSpec ?? AUTO_LOOP;
  const loops: ZoneLoop[] = obs.zoneInfo.map((z, i) => {
    const c = chooseLoop(spec, z.name, evidence[i]);
    return { model: c.model, source: c.source, ...evidence[i] };
  });
  const range = (r: { min: number | null; max: number | null }): [number, number] | null => (r.min !== null && r.max !== null ? [r.min, r.max] : null);
  const devices: DeviceInfo[] = obs.deviceInfo.map((d, i) => ({
    ...d,
    capacityRange: { iops: range(obs.devices[i].capacity_iops), bytes: range(obs.devices[i].capacity_bytes_per_s) },
  }));
  const unit = ro.capLadder ?? 'iops';
  const ladder = ro.policies.includes('cap') && unit !== 'none' ? ladderFor(unit, devices) : null;
  const opts: ReplayOptions = { ...ro, zoneLoops: loops.map((l) => l.model), ladder, reference: ladder !== null, parallelism: replayParallelism(devices, obs.devices, parallelismOf) };
  return { opts, devices, use, loops };
}

/**
 * Each device's parallelism in the replay: how many IOs it serves at once, as --parallelism gives
 * it, else as the observe pass estimated it from the trace, else 1 (a single server). The one
 * place the replay's K comes from.
 */
export function replayParallelism(
  devices: readonly DeviceInfo[],
  observed: readonly { parallelism: number | null }[],
  parallelismOf?: (device: string) => number | undefined,
): Map<string, number> {
  const k = new Map<string, number>();
  devices.forEach((d, i) => k.set(d.name, parallelismOf?.(d.name) ?? observed[i]?.parallelism ?? 1));
  return k;
}

function isTenant(z: ZoneResult): boolean {
  return (z.kind ?? 'tenant') === 'tenant';
}

/**
 * Jain's index and min/max ratio over x_z = device_share / fair_share (tenant zones with fair
 * time; zones whose kind is not 'tenant' are left out).
 */
export function fairness(zones: ZoneResult[]): { jain: number | null; min_max_ratio: number | null } {
  const xs: number[] = [];
  for (const z of zones) if (isTenant(z) && z.fair_share && z.fair_share > 0 && z.device_share !== null) xs.push(z.device_share / z.fair_share);
  let min = Infinity;
  let max = 0;
  for (const x of xs) {
    if (x < min) min = x;
    if (x > max) max = x;
  }
  return { jain: jain(xs), min_max_ratio: max > 0 ? min / max : null };
}

export type { PolicyResult };
