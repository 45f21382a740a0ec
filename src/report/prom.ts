// Prometheus text exposition format 0.0.4, for node_exporter's textfile collector: run iofair from
// cron on every node with --format prom --output <textfile dir>/iofair.prom.
//
// Every value describes the report's window (the trace or interval it read), so every metric is a
// gauge; counts of a window are not counters (they do not only grow), hence no _total. Base units:
// seconds and bytes; fractions end in _ratio. No timestamps (the collector refuses files with any;
// node_exporter's node_textfile_mtime_seconds says when the file was written).
//
// Each zone's latency is also a histogram on fixed bounds, the same on every node and in every
// version, so PromQL sums buckets across nodes:
//   histogram_quantile(0.99, sum by (zone, le) (iofair_io_latency_seconds_bucket))
// The bucket counts are the window's, like every other value here: query them as they are (or
// summed over a range with sum_over_time), not with rate().
//
// Zones, devices and policies are read generically (see flatten.ts): a field added to the
// Analysis appears as a metric with a generic description, or a specific one listed below.

import type { Analysis, CapLadder } from '../core/analysis.js';
import { Histogram } from '../core/histogram.js';
import { flatten, unitOf } from './flatten.js';
import { safeTerm } from './sanitize.js';
import type { Renderer } from './types.js';

/**
 * Upper bounds (seconds) of the latency histogram's buckets: 1, 2.5, 5 per decade from 10 µs to
 * 25 s, then 60 s, then +Inf. Changing them breaks aggregation across nodes running different
 * versions: don't.
 */
export const LATENCY_BOUNDS_S: readonly number[] = [
  0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 60,
];

/** Fields that are ratios get the _ratio suffix (so do fields ending in _frac or _fraction, instead of it). */
const RATIOS = new Set([
  'parallelism_evidence_overtaken_share',
  'parallelism_evidence_lone_overtaken_share',
  'cost_model_rms_relative_error',
  'device_share',
  'fair_share',
  'deviation',
  'utilization',
  'throughput_loss',
  'slowdown',
  'min_max_ratio',
  'capacity_ratio',
  'throttle_delayed_share',
  'protected_p99_vs_fair',
]);

/**
 * Fields whose plain name would read as another unit or collide with another field's metric:
 * work_lost's are shares of fifo's work, not amounts (work_lost_device_s is not seconds).
 */
const RENAMES: Record<string, string> = {
  busy_seconds: 'capacity_seconds',
  work_lost_ops: 'work_lost_ops_ratio',
  work_lost_bytes: 'work_lost_bytes_ratio',
  work_lost_device_s: 'work_lost_device_time_ratio',
};

const HELP: Record<string, string> = {
  zone_weight: 'Weight of the zone in the fair share (zfs-io-priority, io.weight).',
  zone_ops: 'IOs the zone completed in the window.',
  zone_read_ops: 'Read IOs the zone completed in the window.',
  zone_write_ops: 'Write IOs the zone completed in the window.',
  zone_bytes: 'Bytes the zone transferred in the window.',
  zone_iops: 'IOs per second of the window.',
  zone_bytes_per_second: 'Bytes per second of the window.',
  zone_device_time_seconds: 'Device time the zone received (its IOs\' service) in the window.',
  zone_fair_time_seconds: 'Device time due to the zone under weighted fair sharing (GPS) while it had IO outstanding.',
  zone_device_share_ratio: 'The zone\'s share of the service the devices delivered (of their busy time, on serial disks).',
  zone_fair_share_ratio: 'The share of busy time due to the zone under weighted fair sharing.',
  zone_deviation_ratio: 'device_share - fair_share: positive means the zone took more than its due.',
  device_ops: 'IOs the device completed in the window.',
  device_busy_seconds: 'Time the device had IO outstanding in the window.',
  device_utilization_ratio: 'Share of the device\'s capacity in use over the window: delivered service / (parallelism × window); for a serial disk, busy time over the window\'s length.',
  device_parallelism: 'How many IOs the device serves at once (estimated from the trace, or given by --parallelism).',
  device_service_seconds: 'Service the device delivered in the window (seconds of one unit: the integral of min(IOs in flight, parallelism)); what its zones\' device times add up to.',
  device_parallelism_evidence_max_in_flight: 'Most IOs the device had in flight at once.',
  device_parallelism_evidence_range_low: 'Lower end of the 95 % interval of the estimated parallelism.',
  device_parallelism_evidence_range_high: 'Upper end of the 95 % interval of the estimated parallelism.',
  device_parallelism_evidence_saturated: '1 when the trace shows the device levelling off below the most IOs in flight (else the parallelism is a lower bound).',
  device_parallelism_evidence_from_ios: 'IOs the parallelism and the device time attribution were decided on (the device\'s first ones).',
  device_parallelism_evidence_overtaken_share_ratio: 'Of the completions while more than parallelism IOs were in flight, the share that finished while parallelism earlier-issued IOs were still in flight (0 behind a FIFO queue).',
  device_parallelism_evidence_lone_overtaken_share_ratio: 'Of the IOs that arrived at the idle device, the share some later IO completed before (0 on a device serving one IO at a time).',
  device_cost_model_read_rand_io_seconds: 'Fitted cost of a random read to one unit of the device, besides its pages.',
  device_cost_model_read_seq_io_seconds: 'Fitted cost of a sequential read to one unit of the device, besides its pages.',
  device_cost_model_read_page_seconds: 'Fitted cost of each 4 KiB page read to one unit of the device.',
  device_cost_model_write_rand_io_seconds: 'Fitted cost of a random write to one unit of the device, besides its pages.',
  device_cost_model_write_seq_io_seconds: 'Fitted cost of a sequential write to one unit of the device, besides its pages.',
  device_cost_model_write_page_seconds: 'Fitted cost of each 4 KiB page written to one unit of the device.',
  device_cost_model_offsets_known: '1 when the input gave IO offsets, so sequential and random IO are told apart.',
  device_cost_model_r2: 'R² of the cost model against each IO\'s device time.',
  device_cost_model_rms_relative_error_ratio: 'RMS error of the cost model over the mean device time per IO.',
  device_cost_model_ios: 'IOs the cost model was fitted to.',
  device_cost_model_io_cost_model_rbps: 'io.cost.model rbps (sequential read bytes per second of the whole device) the fitted costs mean.',
  device_cost_model_io_cost_model_rseqiops: 'io.cost.model rseqiops (4 KiB sequential reads per second) the fitted costs mean.',
  device_cost_model_io_cost_model_rrandiops: 'io.cost.model rrandiops (4 KiB random reads per second) the fitted costs mean.',
  device_cost_model_io_cost_model_wbps: 'io.cost.model wbps (sequential write bytes per second of the whole device) the fitted costs mean.',
  device_cost_model_io_cost_model_wseqiops: 'io.cost.model wseqiops (4 KiB sequential writes per second) the fitted costs mean.',
  device_cost_model_io_cost_model_wrandiops: 'io.cost.model wrandiops (4 KiB random writes per second) the fitted costs mean.',
  device_capacity_iops_min: 'Lowest IOPS the device delivered in a second of the window: IOs completed in the second over its busy time in it.',
  device_capacity_iops_p50: 'Median IOPS the device delivered per second of the window, over its busy time in each.',
  device_capacity_iops_max: 'Highest IOPS the device delivered in a second of the window, over its busy time in it.',
  device_capacity_min_bytes_per_second: 'Lowest bytes per second of busy time the device delivered in a second of the window.',
  device_capacity_p50_bytes_per_second: 'Median bytes per second of busy time the device delivered per second of the window.',
  device_capacity_max_bytes_per_second: 'Highest bytes per second of busy time the device delivered in a second of the window.',
  device_capacity_ratio: 'Highest over lowest IOPS the device delivered per busy second.',
  device_capacity_seconds: 'Wall-clock seconds of the window the capacity figures are drawn from (busy ones).',
  fairness_jain: 'Jain\'s index over each zone\'s device time / fair time: 1 when every zone got its due.',
  fairness_min_max_ratio: 'Lowest over highest device time / fair time of any zone.',
  zone_loop_issues: 'The zone\'s issues after its first, judged for its loop model.',
  zone_loop_follow_ratio: 'Share of the zone\'s issues that promptly followed one of its own completions (evidence of a closed loop).',
  zone_loop_poisson_ratio: 'The share zone_loop_follow_ratio would have for Poisson arrivals at the zone\'s rate.',
  zone_loop_gap_seconds: 'How promptly an issue must follow the zone\'s completion to count as following it (a quarter of its median time between issues).',
  policy_throughput_loss_ratio: 'Share of the baseline\'s work in the window the policy would not have done in it: device time (IOs at interval fidelity, where device time is not visible).',
  policy_idle_while_waiting_seconds: 'Device seconds left idle while IO waited under the policy, summed over devices (what a cap leaves unused).',
  policy_idle_while_waiting_ratio: 'The largest share of the window any device sat idle while IO waited under the policy: the policy\'s cost.',
  policy_makespan_seconds: 'When the policy would have served the window\'s last IO, from the window\'s start.',
  policy_jain: 'Jain\'s index of the device time under the policy.',
  policy_in_window_ops: 'IOs the policy would have completed within the window (first arrival to last observed completion).',
  policy_in_window_bytes: 'Bytes the policy would have completed within the window.',
  policy_in_window_device_seconds: 'Device time the policy would have delivered within the window.',
  policy_backlog_ops: 'IOs of the trace not completed within the window under the policy (queued, in service or not yet issued at its end).',
  policy_backlog_bytes: 'Bytes of the trace not completed within the window under the policy.',
  policy_backlog_device_seconds: 'Device time of the trace not delivered within the window under the policy.',
  policy_work_lost_ops_ratio: 'Share of the IOs fifo completed within the window that the policy would not have completed there.',
  policy_work_lost_bytes_ratio: 'Share of the bytes fifo completed within the window that the policy would not have completed there.',
  policy_work_lost_device_time_ratio: 'Share of the device time fifo delivered within the window that the policy would not have delivered there.',
  policy_device_idle_while_waiting_seconds: 'Time the device sat idle under the policy while IO it could have served waited, within the window.',
  policy_device_idle_while_waiting_ratio: 'That idle time over the window.',
  policy_zone_ops_completed: 'IOs of the zone the policy completed in the replay.',
  policy_zone_slowdown_ratio: 'Mean latency under the policy over mean latency under the baseline (fifo).',
  policy_zone_backlog_ops: 'IOs of the zone not completed within the window under the policy.',
  policy_zone_finish_seconds: 'When the zone\'s last IO would have completed under the policy, from the window\'s start.',
  policy_zone_issue_lag_p50_seconds: 'A closed-loop zone under the policy: median of how much later than traced its IOs were issued.',
  policy_zone_issue_lag_p99_seconds: 'A closed-loop zone under the policy: 99th percentile of how much later than traced its IOs were issued.',
  cap_ladder_level_throughput_loss_ratio: 'Share of fifo\'s device time in the window the level\'s caps would not have delivered in it.',
  cap_ladder_level_idle_while_waiting_seconds: 'Device seconds left idle while IO waited under the level\'s caps, summed over devices.',
  cap_ladder_level_idle_while_waiting_ratio: 'The largest share of the window any device sat idle while IO waited under the level\'s caps: its cost.',
  cap_ladder_level_in_window_ops: 'IOs completed within the window under the level\'s caps.',
  cap_ladder_level_in_window_bytes: 'Bytes completed within the window under the level\'s caps.',
  cap_ladder_level_in_window_device_seconds: 'Device time delivered within the window under the level\'s caps.',
  cap_ladder_level_work_lost_ops_ratio: 'Share of the IOs fifo completed within the window that the level\'s caps would not have completed there.',
  cap_ladder_level_work_lost_bytes_ratio: 'Share of the bytes fifo completed within the window that the level\'s caps would not have completed there.',
  cap_ladder_level_work_lost_device_time_ratio: 'Share of the device time fifo delivered within the window that the level\'s caps would not have delivered there.',
  cap_ladder_level_protects: '1 when the protected zone\'s p99 under the level is within the tolerance of its p99 under fair queuing.',
  cap_ladder_level_costs_performance: '1 when the level left a device idle while IO waited for more than the cost threshold of the window.',
  cap_ladder_level_protected_p99_seconds: 'The protected zone\'s p99 latency under the level\'s caps.',
  cap_ladder_level_protected_backlog_ops: 'The protected zone\'s IOs not completed within the window under the level\'s caps.',
  cap_ladder_level_protected_p99_vs_fair_ratio: 'The protected zone\'s p99 under the level over its p99 under fair queuing (1: as well protected as by fair queuing).',
  cap_ladder_level_zone_ops_completed: 'IOs of the zone completed within the window under the level\'s caps.',
  cap_ladder_level_zone_slowdown_ratio: 'The zone\'s mean latency under the level\'s caps over its mean latency under fifo.',
  cap_ladder_level_zone_backlog_ops: 'IOs of the zone not completed within the window under the level\'s caps.',
  cap_ladder_level_zone_finish_seconds: 'When the zone\'s last IO would have completed under the level\'s caps, from the window\'s start.',
  cap_ladder_level_zone_issue_lag_p50_seconds: 'A closed-loop zone under the level\'s caps: median of how much later than traced its IOs were issued.',
  cap_ladder_level_zone_issue_lag_p99_seconds: 'A closed-loop zone under the level\'s caps: 99th percentile of how much later than traced its IOs were issued.',
};

const escapeHelp = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
/** Label values: control characters as visible escapes (as everywhere), then the format's own escapes. */
const escapeLabel = (s: string) => safeTerm(s).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** A metric name part from a flattened field name: units in base units, fractions as _ratio. */
function metricPart(field: string): { name: string; scale: number } {
  if (RENAMES[field]) return { name: RENAMES[field], scale: 1 };
  const frac = /^(.+)_(frac|fraction)$/.exec(field);
  if (frac) return { name: `${frac[1]}_ratio`, scale: 1 };
  const { base, unit } = unitOf(field);
  if (unit === '_us') return { name: `${base}_seconds`, scale: 1e-6 };
  if (unit === '_ns') return { name: `${base}_seconds`, scale: 1e-9 };
  if (unit === '_s') return { name: `${base}_seconds`, scale: 1 };
  if (unit === '_bytes_per_s') return { name: `${base}_bytes_per_second`, scale: 1 };
  if (unit === '_per_s') return { name: `${base}_per_second`, scale: 1 };
  if (RATIOS.has(field)) return { name: field.endsWith('_ratio') ? field : `${field}_ratio`, scale: 1 };
  return { name: field.replace(/[^a-zA-Z0-9_]/g, '_'), scale: 1 };
}

type Labels = [string, string][];

/** Metric families in the order first met, each with its samples. */
class Exposition {
  private families = new Map<string, { type: 'gauge' | 'histogram'; help: string; lines: string[] }>();

  private family(name: string, type: 'gauge' | 'histogram', help: string) {
    let f = this.families.get(name);
    if (!f) this.families.set(name, (f = { type, help, lines: [] }));
    return f;
  }

  private series = new Set<string>();

  sample(name: string, help: string, labels: Labels, value: number | boolean | null, suffix = '', type: 'gauge' | 'histogram' = 'gauge'): void {
    if (value === null) return;
    const v = typeof value === 'boolean' ? (value ? 1 : 0) : value;
    if (!Number.isFinite(v)) return;
    const l = labels.length ? `{${labels.map(([k, x]) => `${k}="${escapeLabel(x)}"`).join(',')}}` : '';
    const line = `${name}${suffix}${l}`;
    // two fields named alike would make the file invalid, and the collector drop all of it
    if (this.series.has(line)) throw new Error(`prom: the series ${line} would appear twice`);
    this.series.add(line);
    this.family(name, type, help).lines.push(`${line} ${v}`);
  }

  text(): string {
    const out: string[] = [];
    for (const [name, f] of this.families) {
      out.push(`# HELP ${name} ${escapeHelp(f.help)}`, `# TYPE ${name} ${f.type}`, ...f.lines);
    }
    return out.join('\n') + '\n';
  }
}

/** Every numeric or boolean field of `obj` as `iofair_<section>_<field>{labels}`. */
function fields(e: Exposition, section: string, obj: object, labels: Labels, skip: ReadonlySet<string>): void {
  for (const f of flatten(obj, { skip })) {
    if (typeof f.value === 'string') continue;
    const { name, scale } = metricPart(f.name);
    const key = `${section}_${name}`;
    const v = typeof f.value === 'number' ? f.value * scale : f.value;
    e.sample(`iofair_${key}`, HELP[key] ?? genericHelp(section, f.name), labels, v);
  }
}

function genericHelp(section: string, field: string): string {
  const whose = section.endsWith('zone') ? 'The zone\'s' : section.startsWith('cap_ladder') ? 'The cap ladder level\'s' : `The ${section}'s`;
  const lat = /^latency_(mean|max|p(\d+))_us$/.exec(field);
  if (lat) {
    const what = lat[1] === 'mean' ? 'mean' : lat[1] === 'max' ? 'highest' : `${lat[2].replace(/^(\d\d)(\d)$/, '$1.$2')}th percentile`;
    const under = section.startsWith('policy') ? ' under the policy' : section.startsWith('cap_ladder') ? ' under the level\'s caps' : '';
    return `${whose} ${what} issue-to-completion latency in the window${under}.`;
  }
  return `${whose} ${field} in the window (the JSON report's field of that name).`;
}

export function renderProm(a: Analysis): string {
  const e = new Exposition();
  const inp = a.input;
  e.sample('iofair_info', 'The iofair version and what the input was, as labels; the value is 1.', [
    ['version', a.tool.version],
    ['input_format', inp.format],
    ['fidelity', inp.fidelity],
    ['platform', inp.platform],
  ], 1);
  e.sample('iofair_window_start_seconds', 'Start of the window the report covers, on the input\'s clock (epoch seconds for timestamped traces).', [], inp.start_s);
  e.sample('iofair_window_end_seconds', 'End of the window the report covers, on the input\'s clock.', [], inp.end_s);
  e.sample('iofair_window_duration_seconds', 'Length of the window the report covers.', [], inp.duration_s);
  e.sample('iofair_input_records', 'Records read in the window.', [], inp.records);
  e.sample('iofair_input_skipped_lines', 'Bad input lines skipped (not part of any figure).', [], inp.skipped);
  e.sample('iofair_input_events_lost', 'Events the tracer reported lost (drops).', [], inp.events_lost);
  e.sample('iofair_input_partial', '1 when the input was cut short (Ctrl-C, a timeout): the window is incomplete.', [], inp.partial);

  for (const d of a.devices) fields(e, 'device', d, [['device', d.device]], new Set(['device']));
  for (const d of a.devices) {
    if (d.parallelism_source === null && d.attribution === null) continue;
    const how: Labels = [['device', d.device], ['parallelism_source', d.parallelism_source ?? ''], ['attribution', d.attribution ?? '']];
    e.sample('iofair_device_info', "How the device's parallelism was found and how its device time was measured, as labels; the value is 1.", how, 1);
  }
  for (const z of a.zones) fields(e, 'zone', z, [['zone', z.zone]], new Set(['zone', 'latency_histogram', 'loop']));
  for (const z of a.zones) {
    if (!z.loop) continue;
    const l = z.loop;
    const zl: Labels = [['zone', z.zone]];
    e.sample('iofair_zone_loop_info', 'The loop model the replay used for the zone (model: open or closed; source: the trace or --loop; suggests: what the trace points to), as labels; the value is 1.', [...zl, ['model', l.model], ['source', l.source], ['suggests', l.suggests]], 1);
    fields(e, 'zone_loop', l, zl, new Set(['model', 'source', 'suggests']));
  }
  fields(e, 'fairness', a.fairness, [], new Set());

  const bucketsHelp = 'Issue-to-completion latency of the zone\'s IOs in the window, on fixed bounds (the same on every node).';
  const bounds = LATENCY_BOUNDS_S.map((s) => s * 1e9);
  for (const z of a.zones) {
    if (!z.latency_histogram) continue;
    const counts = Histogram.fromJson(z.latency_histogram).cumulativeAt(bounds);
    const zl: Labels = [['zone', z.zone]];
    LATENCY_BOUNDS_S.forEach((le, i) => e.sample('iofair_io_latency_seconds', bucketsHelp, [...zl, ['le', String(le)]], counts[i], '_bucket', 'histogram'));
    e.sample('iofair_io_latency_seconds', bucketsHelp, [...zl, ['le', '+Inf']], z.latency_histogram.count, '_bucket', 'histogram');
    e.sample('iofair_io_latency_seconds', bucketsHelp, zl, z.latency_histogram.sum_ns / 1e9, '_sum', 'histogram');
    e.sample('iofair_io_latency_seconds', bucketsHelp, zl, z.latency_histogram.count, '_count', 'histogram');
  }

  for (const p of a.policies) {
    const pl: Labels = [['policy', p.policy], ['loop', p.loop]];
    fields(e, 'policy', p, pl, new Set(['policy', 'loop', 'params', 'zones', 'devices']));
    for (const d of p.devices ?? []) fields(e, 'policy_device', d, [...pl, ['device', d.device]], new Set(['device']));
    for (const z of p.zones) fields(e, 'policy_zone', z, [...pl, ['zone', z.zone]], new Set(['zone', 'latency_histogram']));
  }

  if (a.verdict) verdictMetrics(e, a);
  if (a.cap_ladder) ladderMetrics(e, a.cap_ladder);
  return e.text();
}

/** The verdict's findings as numbers: per policy whether it costs performance, and the thresholds. */
function verdictMetrics(e: Exposition, a: Analysis): void {
  const v = a.verdict!;
  const loopOf = new Map(a.policies.map((p) => [p.policy, p.loop]));
  for (const f of v.policies) {
    const pl: Labels = [['policy', f.policy], ['loop', loopOf.get(f.policy) ?? '']];
    e.sample('iofair_verdict_costs_performance', '1 when the policy left a device idle while IO waited for more than the cost threshold of the window.', pl, f.costs_performance);
    e.sample('iofair_verdict_p99_doubled_zones', 'Zones whose p99 the policy at least doubled (against fifo, the observation).', pl, f.raised.length);
    e.sample('iofair_verdict_p99_halved_zones', 'Zones whose p99 the policy at least halved (against fifo, the observation).', pl, f.cut.length);
  }
  e.sample('iofair_verdict_already_fair', '1 when Jain\'s index over the measured device-time shares reached the fairness threshold.', [], v.already_fair);
  if (v.recommended_policy !== null)
    e.sample('iofair_verdict_recommended_policy_info', 'The replayed policy the verdict recommends, as a label; the value is 1 (absent when it recommends none).', [['policy', v.recommended_policy]], 1);
  const T = v.thresholds;
  e.sample('iofair_verdict_threshold_cost_ratio', 'A policy costs performance when a device sat idle while IO waited for more than this share of the window.', [], T.cost);
  e.sample('iofair_verdict_threshold_p99_factor', 'A zone\'s p99 change is named when it is at least this factor either way.', [], T.p99_factor);
  e.sample('iofair_verdict_threshold_fair_jain', 'The disk counts as already fair when Jain\'s index over the measured shares is at least this.', [], T.fair_jain);
  e.sample('iofair_verdict_threshold_protect_tolerance_ratio', 'A cap protects a zone as well as fair queuing when the zone\'s p99 is within this (relative) of its p99 under fair.', [], T.protect_tolerance);
}

/** The cap ladder: what each level cost, how it protected the zone fifo hurts most, per device and per zone. */
function ladderMetrics(e: Exposition, L: CapLadder): void {
  const pz = L.protected_zone;
  e.sample(
    'iofair_cap_ladder_info',
    'The cap ladder, as labels (unit: iops or bytes; protected_zone: the zone fifo hurts most against fair queuing, absent when none needs protecting); the value is 1.',
    pz === null ? [['unit', L.unit]] : [['unit', L.unit], ['protected_zone', pz]],
    1,
  );
  e.sample('iofair_cap_ladder_levels', 'Levels of static caps the ladder replayed.', [], L.levels.length);
  e.sample('iofair_cap_ladder_burst_seconds', 'Token-bucket burst of the ladder\'s caps.', [], L.burst_s);
  if (pz !== null) {
    const zl: Labels = [['zone', pz]];
    e.sample('iofair_cap_ladder_protected_fifo_p99_seconds', 'The protected zone\'s p99 latency under fifo (the observation).', zl, L.protected_fifo_p99_us === null ? null : L.protected_fifo_p99_us / 1e6);
    e.sample('iofair_cap_ladder_protected_fair_p99_seconds', 'The protected zone\'s p99 latency under fair queuing.', zl, L.protected_fair_p99_us === null ? null : L.protected_fair_p99_us / 1e6);
  }
  e.sample('iofair_cap_ladder_protects_without_cost', '1 when some level protects the zone as well as fair queuing without costing performance (absent when no zone needs protecting).', [], L.protects_without_cost);
  e.sample('iofair_cap_ladder_cheapest_protecting_level', 'The level that protects the zone with the least idle time (absent: none does).', [], L.cheapest_protecting_level);
  e.sample('iofair_cap_ladder_best_free_level', 'Among the levels that do not cost performance, the one with the lowest p99 for the protected zone (absent: none).', [], L.best_free_level);
  const perS = L.unit === 'iops' ? 'iops' : 'bytes_per_second';
  const perSHelp = L.unit === 'iops' ? 'IOPS' : 'bytes per second';
  for (const l of L.levels) {
    const ll: Labels = [['level', String(l.level)]];
    const protectedFields = new Set(['protected_p99_us', 'protected_backlog_ops', 'protected_p99_vs_fair', 'protects']);
    fields(e, 'cap_ladder_level', l, ll, new Set(['level', 'zones', 'devices', 'worst_device', ...protectedFields]));
    if (pz !== null) {
      const picked = Object.fromEntries([...protectedFields].map((k) => [k, (l as unknown as Record<string, unknown>)[k] ?? null]));
      fields(e, 'cap_ladder_level', picked, [...ll, ['zone', pz]], new Set());
    }
    for (const c of l.capacity_per_s) {
      const dl: Labels = [...ll, ['device', c.device]];
      e.sample(`iofair_cap_ladder_level_device_capacity_${perS}`, `What the level shares out on the device, in ${perSHelp} per busy second (each zone gets its weight's share).`, dl, c.per_s);
      const lim = l.protected_limit_per_s.find((x) => x.device === c.device);
      if (pz !== null && lim) e.sample(`iofair_cap_ladder_level_device_protected_limit_${perS}`, `The protected zone's cap at the level on the device, in ${perSHelp}.`, [...dl, ['zone', pz]], lim.per_s);
      const d = l.devices?.find((x) => x.device === c.device);
      if (d) {
        e.sample('iofair_cap_ladder_level_device_idle_while_waiting_seconds', 'Time the device sat idle under the level\'s caps while IO it could have served waited, within the window.', dl, d.idle_while_waiting_s);
        e.sample('iofair_cap_ladder_level_device_idle_while_waiting_ratio', 'That idle time over the window.', dl, d.idle_while_waiting_frac);
      }
    }
    for (const z of l.zones ?? []) fields(e, 'cap_ladder_level_zone', z, [...ll, ['zone', z.zone]], new Set(['zone']));
  }
}

export const promRenderer: Renderer = {
  name: 'prom',
  description: 'Prometheus text format 0.0.4 for node_exporter\'s textfile collector (gauges, latency histograms)',
  machineReadable: true,
  extension: 'prom',
  usesTimeline: false,
  render: (a) => renderProm(a),
};
