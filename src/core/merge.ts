// Combines JSON reports from several nodes or time windows into one Analysis, from what each
// report carries: counts, bytes and device and fair time add up; percentiles come from the merged
// latency histograms; shares, deviation and fairness are recomputed from the sums. What a report
// keeps only as a result of its own window (a replay's makespan, its Jain's index, a device's
// median capacity) cannot be combined: it becomes null, and a warning says so.
//
// Windows: each report covers [start_s, end_s] on its input's clock; the merged window is the
// length of their union, so reports of the same minutes from several nodes (overlapping) count
// that time once, and consecutive windows of one node add up. IOPS and bytes/s are over it.

import type { Fidelity } from '../records.js';
import type { Analysis, DeviceResult, HistogramJson, InputInfo, PolicyResult, PolicyZoneResult, Timeline, WorkAmount, ZoneResult } from './analysis.js';
import { Histogram } from './histogram.js';
import { fairness } from './analyze.js';
import { TIMELINE_BUCKETS } from './timeline.js';

/** A report that cannot be merged (bad shape, another schema version): the message names it. */
export class MergeError extends Error {}

export interface NamedReport {
  /** Where the report came from (a file name), for messages. */
  name: string;
  report: unknown;
}

export const READABLE_SCHEMA = 1;

// ---------------------------------------------------------------------------------------------
// Shape checks: only what the merge reads, with the path of the first field that is wrong.

type Obj = Record<string, unknown>;

function fail(name: string, path: string, want: string, v: unknown): never {
  const found = v === undefined ? 'nothing' : JSON.stringify(v)?.slice(0, 40) ?? String(v);
  throw new MergeError(`${name}: ${path}: expected ${want}, found ${found}`);
}

function obj(name: string, path: string, v: unknown): Obj {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(name, path, 'an object', v);
  return v as Obj;
}

function arr(name: string, path: string, v: unknown): unknown[] {
  if (!Array.isArray(v)) fail(name, path, 'a list', v);
  return v;
}

function num(name: string, path: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(name, path, 'a number', v);
  return v;
}

function numOrNull(name: string, path: string, v: unknown): number | null {
  return v === null || v === undefined ? null : num(name, path, v);
}

function str(name: string, path: string, v: unknown): string {
  if (typeof v !== 'string') fail(name, path, 'a string', v);
  return v;
}

function histogram(name: string, path: string, v: unknown): Histogram | null {
  if (v === null || v === undefined) return null;
  try {
    return Histogram.fromJson(obj(name, path, v) as unknown as HistogramJson);
  } catch (e) {
    if (e instanceof MergeError) throw e;
    throw new MergeError(`${name}: ${path}: ${(e as Error).message}`);
  }
}

function checkReport(r: NamedReport): Analysis {
  const n = r.name;
  const a = obj(n, '(top)', r.report);
  num(n, 'schema_version', a.schema_version);
  const input = obj(n, 'input', a.input);
  arr(n, 'input.sources', input.sources).forEach((s, i) => str(n, `input.sources[${i}]`, s));
  str(n, 'input.format', input.format);
  str(n, 'input.fidelity', input.fidelity);
  for (const k of ['records', 'skipped', 'events_lost']) num(n, `input.${k}`, input[k] ?? 0);
  for (const k of ['start_s', 'end_s', 'duration_s']) numOrNull(n, `input.${k}`, input[k]);
  arr(n, 'devices', a.devices).forEach((d, i) => {
    const o = obj(n, `devices[${i}]`, d);
    str(n, `devices[${i}].device`, o.device);
    num(n, `devices[${i}].ops`, o.ops);
    num(n, `devices[${i}].busy_s`, o.busy_s);
  });
  arr(n, 'zones', a.zones).forEach((z, i) => {
    const o = obj(n, `zones[${i}]`, z);
    str(n, `zones[${i}].zone`, o.zone);
    for (const k of ['weight', 'ops', 'read_ops', 'write_ops', 'bytes']) num(n, `zones[${i}].${k}`, o[k]);
    for (const k of ['device_time_s', 'fair_time_s']) numOrNull(n, `zones[${i}].${k}`, o[k]);
    obj(n, `zones[${i}].latency_us`, o.latency_us);
    histogram(n, `zones[${i}].latency_histogram`, o.latency_histogram);
  });
  arr(n, 'policies', a.policies).forEach((p, i) => {
    const o = obj(n, `policies[${i}]`, p);
    str(n, `policies[${i}].policy`, o.policy);
    str(n, `policies[${i}].loop`, o.loop);
    numOrNull(n, `policies[${i}].idle_while_waiting_s`, o.idle_while_waiting_s);
    for (const k of ['in_window', 'backlog']) {
      if (o[k] === null || o[k] === undefined) continue;
      const w = obj(n, `policies[${i}].${k}`, o[k]);
      num(n, `policies[${i}].${k}.ops`, w.ops);
      for (const u of ['bytes', 'device_s']) numOrNull(n, `policies[${i}].${k}.${u}`, w[u]);
    }
    arr(n, `policies[${i}].devices`, o.devices ?? []).forEach((d, j) => {
      const q = obj(n, `policies[${i}].devices[${j}]`, d);
      str(n, `policies[${i}].devices[${j}].device`, q.device);
      num(n, `policies[${i}].devices[${j}].idle_while_waiting_s`, q.idle_while_waiting_s);
    });
    arr(n, `policies[${i}].zones`, o.zones).forEach((z, j) => {
      const q = obj(n, `policies[${i}].zones[${j}]`, z);
      str(n, `policies[${i}].zones[${j}].zone`, q.zone);
      num(n, `policies[${i}].zones[${j}].ops_completed`, q.ops_completed);
      numOrNull(n, `policies[${i}].zones[${j}].backlog_ops`, q.backlog_ops);
      histogram(n, `policies[${i}].zones[${j}].latency_histogram`, q.latency_histogram);
    });
  });
  if (a.timeline !== null && a.timeline !== undefined) {
    const t = obj(n, 'timeline', a.timeline);
    num(n, 'timeline.start_s', t.start_s);
    if (!(num(n, 'timeline.bucket_s', t.bucket_s) > 0)) fail(n, 'timeline.bucket_s', 'a positive number', t.bucket_s);
    const len = arr(n, 'timeline.busy_s', t.busy_s).length;
    arr(n, 'timeline.zones', t.zones).forEach((z, i) => {
      const o = obj(n, `timeline.zones[${i}]`, z);
      str(n, `timeline.zones[${i}].zone`, o.zone);
      for (const k of ['device_time_s', 'fair_time_s'])
        if (arr(n, `timeline.zones[${i}].${k}`, o[k]).length !== len) fail(n, `timeline.zones[${i}].${k}`, `${len} values`, o[k]);
    });
  }
  arr(n, 'warnings', a.warnings ?? []);
  return a as unknown as Analysis;
}

// ---------------------------------------------------------------------------------------------

const FIDELITY_RANK: Record<Fidelity, number> = { histograms: 0, intervals: 1, events: 2 };

/** Sum of values that may be unknown: unknown if any is. */
function sumOrNull(xs: (number | null | undefined)[]): number | null {
  let s = 0;
  for (const x of xs) {
    if (x === null || x === undefined) return null;
    s += x;
  }
  return s;
}

/** Length of the union of [start, end] intervals (null if any is unknown). */
function unionLength(spans: [number | null, number | null][]): number | null {
  if (spans.some(([a, b]) => a === null || b === null)) return null;
  const s = (spans as [number, number][]).slice().sort((x, y) => x[0] - y[0]);
  let total = 0;
  let [a, b] = s[0];
  for (const [c, d] of s.slice(1)) {
    if (c > b) {
      total += b - a;
      [a, b] = [c, d];
    } else if (d > b) b = d;
  }
  return total + (b - a);
}

const us = (ns: number) => (Number.isFinite(ns) ? ns / 1e3 : null);

/** Merged histograms, or null when a part that has IO has none (its latencies are unknown). */
function mergeHistograms(parts: { ops: number; hist: Histogram | null }[]): Histogram | null {
  const h = new Histogram();
  for (const p of parts) {
    if (p.hist) h.merge(p.hist);
    else if (p.ops > 0) return null;
  }
  return h.count ? h : null;
}

function mergeInput(reports: Analysis[]): InputInfo {
  const inputs = reports.map((r) => r.input);
  const platforms = new Set(inputs.map((i) => i.platform ?? 'neutral'));
  const byReason = new Map<string, number>();
  for (const i of inputs) for (const [k, v] of Object.entries(i.skipped_by_reason ?? {})) byReason.set(k, (byReason.get(k) ?? 0) + v);
  const starts = inputs.map((i) => i.start_s);
  const ends = inputs.map((i) => i.end_s);
  return {
    sources: inputs.flatMap((i) => i.sources),
    format: [...new Set(inputs.flatMap((i) => i.format.split('+')))].join('+'),
    platform: platforms.size === 1 ? [...platforms][0] : 'neutral',
    skipped: inputs.reduce((s, i) => s + (i.skipped ?? 0), 0),
    skipped_by_reason: Object.fromEntries([...byReason].sort((a, b) => a[0].localeCompare(b[0]))),
    events_lost: inputs.reduce((s, i) => s + (i.events_lost ?? 0), 0),
    partial: inputs.some((i) => i.partial === true),
    fidelity: inputs.map((i) => i.fidelity).reduce((lo, f) => (FIDELITY_RANK[f] < FIDELITY_RANK[lo] ? f : lo)),
    records: inputs.reduce((s, i) => s + i.records, 0),
    start_s: starts.some((x) => x === null) ? null : Math.min(...(starts as number[])),
    end_s: ends.some((x) => x === null) ? null : Math.max(...(ends as number[])),
    duration_s: unionLength(inputs.map((i) => [i.start_s, i.end_s])),
  };
}

function mergeZones(reports: Analysis[], durationS: number | null, notes: Set<string>): ZoneResult[] {
  const byName = new Map<string, ZoneResult[]>();
  for (const r of reports) for (const z of r.zones) byName.set(z.zone, [...(byName.get(z.zone) ?? []), z]);
  const zones: ZoneResult[] = [];
  for (const [zone, parts] of byName) {
    if (new Set(parts.map((p) => p.weight)).size > 1) notes.add(`zone ${zone} has different weights in the reports: the first report's is shown; fair time was computed with each report's own`);
    const ops = parts.reduce((s, p) => s + p.ops, 0);
    const bytes = parts.reduce((s, p) => s + p.bytes, 0);
    const h = mergeHistograms(parts.map((p) => ({ ops: p.ops, hist: p.latency_histogram ? Histogram.fromJson(p.latency_histogram) : null })));
    // without histograms the mean still merges, weighted by ops
    const means = parts.filter((p) => p.ops > 0).map((p) => p.latency_us.mean);
    const mean = h ? us(h.mean()) : means.length && means.every((m) => m !== null) ? parts.reduce((s, p) => s + (p.latency_us.mean ?? 0) * p.ops, 0) / ops : null;
    if (!h && ops > 0) notes.add('some zones have no latency histogram in a report (not event input): their merged percentiles are null');
    zones.push({
      zone,
      weight: parts[0].weight,
      ops,
      read_ops: parts.reduce((s, p) => s + p.read_ops, 0),
      write_ops: parts.reduce((s, p) => s + p.write_ops, 0),
      bytes,
      iops: durationS ? ops / durationS : null,
      bytes_per_s: durationS ? bytes / durationS : null,
      latency_us: {
        mean,
        p50: h ? us(h.quantile(0.5)) : null,
        p90: h ? us(h.quantile(0.9)) : null,
        p99: h ? us(h.quantile(0.99)) : null,
        p999: h ? us(h.quantile(0.999)) : null,
        max: h ? us(h.max) : null,
      },
      device_time_s: sumOrNull(parts.map((p) => p.device_time_s)),
      fair_time_s: sumOrNull(parts.map((p) => p.fair_time_s)),
      device_share: null,
      fair_share: null,
      deviation: null,
      latency_histogram: h?.toJson() ?? null,
    });
  }
  // shares of the summed device time (Σ over zones = the devices' busy time)
  const total = sumOrNull(zones.map((z) => z.device_time_s));
  if (total !== null && total > 0) {
    for (const z of zones) {
      z.device_share = z.device_time_s! / total;
      z.fair_share = z.fair_time_s === null ? null : z.fair_time_s / total;
      z.deviation = z.fair_share === null ? null : z.device_share - z.fair_share;
    }
  }
  return zones;
}

function mergeDevices(reports: Analysis[], notes: Set<string>): DeviceResult[] {
  const byName = new Map<string, { d: DeviceResult; window: number | null }[]>();
  for (const r of reports) for (const d of r.devices) byName.set(d.device, [...(byName.get(d.device) ?? []), { d, window: r.input.duration_s }]);
  const out: DeviceResult[] = [];
  for (const [device, parts] of byName) {
    const one = parts.length === 1 ? parts[0].d : null;
    const range = (pick: (d: DeviceResult) => { min: number | null; p50: number | null; max: number | null }) => {
      const mins = parts.map((p) => pick(p.d).min);
      const maxs = parts.map((p) => pick(p.d).max);
      return {
        min: mins.some((x) => x === null) ? null : Math.min(...(mins as number[])),
        p50: one ? pick(one).p50 : null,
        max: maxs.some((x) => x === null) ? null : Math.max(...(maxs as number[])),
      };
    };
    if (!one) notes.add("a device's median IOPS per busy second does not combine across reports: null (min and max do)");
    const iops = range((d) => d.capacity_iops);
    const busy = parts.reduce((s, p) => s + p.d.busy_s, 0);
    const window = sumOrNull(parts.map((p) => p.window));
    // what a device is (its parallelism, how its time is measured) holds when every report agrees
    const same = <T>(pick: (d: DeviceResult) => T | undefined): T | null => {
      const vs = new Set(parts.map((p) => pick(p.d) ?? null));
      return vs.size === 1 ? [...vs][0] : null;
    };
    const k = same((d) => d.parallelism);
    if (k === null && parts.some((p) => (p.d.parallelism ?? null) !== null))
      notes.add(`device ${device}: its parallelism differs between the reports (or some do not give it): null, and its utilization is of busy time`);
    const service = sumOrNull(parts.map((p) => p.d.service_s ?? null));
    if (!one && parts.some((p) => p.d.cost_model)) notes.add("a device's cost model is fitted per report and does not combine: null (see each report)");
    out.push({
      device,
      ops: parts.reduce((s, p) => s + p.d.ops, 0),
      busy_s: busy,
      // the share of the device's capacity in use, as each report has it: delivered service ÷ K
      utilization: window ? (k !== null && service !== null ? service / (k * window) : busy / window) : null,
      capacity_iops: iops,
      capacity_ratio: iops.min && iops.max ? iops.max / iops.min : null,
      capacity_bytes_per_s: range((d) => d.capacity_bytes_per_s ?? { min: null, p50: null, max: null }),
      busy_seconds: parts.reduce((s, p) => s + (p.d.busy_seconds ?? 0), 0),
      parallelism: k,
      parallelism_source: k === null ? null : same((d) => d.parallelism_source),
      parallelism_evidence: one ? (one.parallelism_evidence ?? null) : null,
      service_s: service,
      attribution: same((d) => d.attribution),
      cost_model: one ? (one.cost_model ?? null) : null,
    });
  }
  return out;
}


function mergePolicies(reports: Analysis[], notes: Set<string>): PolicyResult[] {
  const key = (p: PolicyResult) => `${p.loop}/${p.policy}`;
  const keys = [...new Set(reports.flatMap((r) => r.policies.map(key)))];
  const present = keys.filter((k) => reports.every((r) => r.policies.some((p) => key(p) === k)));
  if (present.length < keys.length) notes.add(`what-if policies replayed in only some reports are left out: ${keys.filter((k) => !present.includes(k)).join(', ')}`);
  if (present.length)
    notes.add(
      "what-if figures that do not add up across reports are null: each policy's makespan, Jain's index and idle share of the window (idle_while_waiting_frac, a share of one report's window; the idle seconds add up), and each zone's finish time and issue lag (times and percentiles within one report's window); work in the window and not done at its end add up, and the share lost against fifo is recomputed from the sums",
    );
  const partsOf = (k: string) => reports.map((r) => r.policies.find((p) => key(p) === k)!);
  const inWindowOf = (ps: PolicyResult[]): WorkAmount | null => {
    const ws = ps.map((p) => p.in_window);
    if (ws.some((w) => !w)) return null;
    return { ops: ws.reduce((s, w) => s + w!.ops, 0), bytes: sumOrNull(ws.map((w) => w!.bytes)), device_s: sumOrNull(ws.map((w) => w!.device_s)) };
  };
  /** Per policy key: each zone's merged latency histogram (for the slowdowns against fifo). */
  const merged = new Map<string, Map<string, Histogram | null>>();
  const out: PolicyResult[] = [];
  for (const k of present) {
    const parts = partsOf(k);
    const p0 = parts[0];
    if (new Set(parts.map((p) => JSON.stringify(p.params))).size > 1) notes.add(`policy ${p0.policy}'s parameters differ between the reports (e.g. cap auto's median IOPS): the first report's are shown`);
    const zoneNames = [...new Set(parts.flatMap((p) => p.zones.map((z) => z.zone)))];
    const hists = new Map<string, Histogram | null>();
    const zones: PolicyZoneResult[] = zoneNames.map((zone) => {
      const zs = parts.map((p) => p.zones.find((z) => z.zone === zone)).filter((z): z is PolicyZoneResult => z !== undefined);
      const ops = zs.reduce((s, z) => s + z.ops_completed, 0);
      const h = mergeHistograms(zs.map((z) => ({ ops: z.ops_completed, hist: z.latency_histogram ? Histogram.fromJson(z.latency_histogram) : null })));
      hists.set(zone, h);
      return {
        zone,
        ops_completed: ops,
        latency_us: { mean: h ? us(h.mean()) : null, p50: h ? us(h.quantile(0.5)) : null, p99: h ? us(h.quantile(0.99)) : null, max: h ? us(h.max) : null },
        slowdown: null,
        latency_histogram: h?.toJson() ?? null,
        backlog_ops: sumOrNull(zs.map((z) => z.backlog_ops)),
        // times within each report's own window, and the lag's percentiles, do not add up
        finish_s: null,
        issue_lag_us: null,
      };
    });
    merged.set(k, hists);
    const inWindow = inWindowOf(parts);
    const fifoKey = `${p0.loop}/fifo`;
    const base = present.includes(fifoKey) ? inWindowOf(partsOf(fifoKey)) : null;
    const lost = (x: number | null | undefined, b: number | null | undefined) => (x != null && b != null && b > 0 ? Math.max(0, 1 - x / b) : null);
    const backlogs = parts.map((p) => p.backlog);
    // idle time per device adds up (device seconds); its share of a window does not
    const idleOf = new Map<string, number>();
    for (const p of parts) for (const d of p.devices ?? []) idleOf.set(d.device, (idleOf.get(d.device) ?? 0) + d.idle_while_waiting_s);
    const result: PolicyResult = {
      policy: p0.policy,
      params: p0.params,
      loop: p0.loop,
      throughput_loss: lost(inWindow?.device_s, base?.device_s),
      idle_while_waiting_s: sumOrNull(parts.map((p) => p.idle_while_waiting_s)),
      idle_while_waiting_frac: null,
      devices: [...idleOf].map(([device, idle]) => ({ device, idle_while_waiting_s: idle, idle_while_waiting_frac: null })),
      makespan_s: null,
      jain: null,
      in_window: inWindow,
      backlog: backlogs.some((b) => !b)
        ? null
        : { ops: backlogs.reduce((s, b) => s + b!.ops, 0), bytes: sumOrNull(backlogs.map((b) => b!.bytes)), device_s: sumOrNull(backlogs.map((b) => b!.device_s)) },
      work_lost: inWindow && base ? { ops: lost(inWindow.ops, base.ops), bytes: lost(inWindow.bytes, base.bytes), device_s: lost(inWindow.device_s, base.device_s) } : null,
      zones,
    };
    out.push(result);
  }
  // slowdown: the merged mean over the merged baseline's (fifo, same loop model)
  for (const p of out) {
    const fifo = merged.get(`${p.loop}/fifo`);
    if (!fifo) continue;
    for (const z of p.zones) {
      const b = fifo.get(z.zone);
      if (b && b.count && z.latency_us.mean !== null) z.slowdown = z.latency_us.mean / (b.mean() / 1e3);
    }
  }
  return out;
}

/** Re-bins every timeline onto one grid (at most TIMELINE_BUCKETS buckets) and adds them up. */
function mergeTimelines(reports: Analysis[]): Timeline | null {
  const ts = reports.map((r) => r.timeline).filter((t): t is Timeline => t !== null && t !== undefined);
  if (!ts.length) return null;
  if (ts.length === 1) return ts[0];
  const start = Math.min(...ts.map((t) => t.start_s));
  const end = Math.max(...ts.map((t) => t.start_s + t.busy_s.length * t.bucket_s));
  let width = Math.max(...ts.map((t) => t.bucket_s));
  while ((end - start) / width > TIMELINE_BUCKETS) width *= 2;
  const n = Math.max(1, Math.min(TIMELINE_BUCKETS, Math.ceil((end - start) / width - 1e-9)));
  const busy = new Array<number>(n).fill(0);
  const zones = new Map<string, { device: number[]; fair: number[] }>();
  // a value spread evenly over its bucket, split by overlap with the merged grid's buckets
  const add = (into: number[], t: Timeline, i: number, v: number) => {
    if (!v) return;
    const a = t.start_s + i * t.bucket_s;
    const b = a + t.bucket_s;
    for (let j = Math.max(0, Math.floor((a - start) / width)); j < n; j++) {
      const lo = Math.max(a, start + j * width);
      const hi = Math.min(b, start + (j + 1) * width);
      if (lo >= b) break;
      if (hi > lo) into[j] += (v * (hi - lo)) / t.bucket_s;
    }
  };
  for (const t of ts) {
    t.busy_s.forEach((v, i) => add(busy, t, i, v));
    for (const z of t.zones) {
      let m = zones.get(z.zone);
      if (!m) zones.set(z.zone, (m = { device: new Array<number>(n).fill(0), fair: new Array<number>(n).fill(0) }));
      z.device_time_s.forEach((v, i) => add(m!.device, t, i, v));
      z.fair_time_s.forEach((v, i) => add(m!.fair, t, i, v));
    }
  }
  const round = (xs: number[]) => xs.map((x) => Math.round(x * 1e9) / 1e9);
  return {
    start_s: start,
    bucket_s: width,
    busy_s: round(busy),
    zones: [...zones].map(([zone, m]) => ({ zone, device_time_s: round(m.device), fair_time_s: round(m.fair) })),
  };
}

/**
 * One Analysis from several reports (at least one). A single report comes back as it was, with
 * the merging tool's version. Throws MergeError on a report of the wrong shape or on reports of
 * different schema versions.
 */
export function mergeReports(named: NamedReport[], toolVersion: string): Analysis {
  if (!named.length) throw new MergeError('nothing to merge');
  const versions = named.map((r) => (r.report !== null && typeof r.report === 'object' ? (r.report as Obj).schema_version : undefined));
  if (new Set(versions).size > 1)
    throw new MergeError(`the reports have different schema versions (${named.map((r, i) => `${r.name}: ${JSON.stringify(versions[i])}`).join(', ')}); merge reports of one version`);
  if (versions[0] !== READABLE_SCHEMA) throw new MergeError(`${named[0].name}: schema_version ${JSON.stringify(versions[0])} is not one this iofair reads (${READABLE_SCHEMA})`);
  const reports = named.map(checkReport);
  if (reports.length === 1) return { ...reports[0], tool: { name: 'iofair', version: toolVersion } };

  const notes = new Set<string>();
  const input = mergeInput(reports);
  const zones = mergeZones(reports, input.duration_s, notes);
  const devices = mergeDevices(reports, notes);
  const policies = mergePolicies(reports, notes);
  const warnings = [`merged ${reports.length} reports (${named.map((r) => r.name).join(', ')})`, ...notes];
  if (reports.some((r) => r.verdict)) warnings.push('no verdict: it is drawn from what-if figures a merge cannot recompute');
  if (reports.some((r) => r.cap_ladder))
    warnings.push(
      "no cap ladder: each report sets its levels from its own devices' IOPS per busy second, so a level is a different cap in each report, and the protected zone's p99 at a level would need latency histograms the ladder does not carry",
    );
  for (const r of reports) for (const w of r.warnings) if (!warnings.includes(w)) warnings.push(w);
  const measures = new Set(reports.map((r) => r.share_measure ?? null));
  const shareMeasure = measures.size === 1 ? [...measures][0] : null;
  if (measures.size > 1) warnings.push(`the reports measure device time differently (share_measure ${[...measures].map((m) => m ?? 'null').join(', ')}): their sums mix those measures`);
  return {
    schema_version: 1,
    tool: { name: 'iofair', version: toolVersion },
    input,
    devices,
    zones,
    share_measure: shareMeasure,
    fairness: fairness(zones),
    policies,
    verdict: null,
    cap_ladder: null,
    timeline: mergeTimelines(reports),
    warnings,
  };
}
