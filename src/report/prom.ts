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

import type { Analysis } from '../core/analysis.js';
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

/** Fields that are fractions of 1 get the _ratio suffix. */
const RATIOS = new Set(['device_share', 'fair_share', 'deviation', 'utilization', 'throughput_loss', 'slowdown', 'min_max_ratio', 'capacity_ratio', 'throttle_delayed_share']);

/** Fields whose plain name would read as another unit or collide with another field's metric. */
const RENAMES: Record<string, string> = { busy_seconds: 'capacity_seconds' };

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
  zone_device_share_ratio: 'The zone\'s share of the devices\' busy time.',
  zone_fair_share_ratio: 'The share of busy time due to the zone under weighted fair sharing.',
  zone_deviation_ratio: 'device_share - fair_share: positive means the zone took more than its due.',
  device_ops: 'IOs the device completed in the window.',
  device_busy_seconds: 'Time the device had IO outstanding in the window.',
  device_utilization_ratio: 'Share of the device\'s capacity in use over the window: delivered service / (parallelism × window); for a serial disk, busy time over the window\'s length.',
  device_parallelism: 'How many IOs the device serves at once (estimated from the trace, or given by --parallelism).',
  device_service_seconds: 'Service the device delivered in the window (seconds of one unit: the integral of min(IOs in flight, parallelism)); what its zones\' device times add up to.',
  device_capacity_ratio: 'Highest over lowest IOPS the device delivered per busy second.',
  device_capacity_seconds: 'Wall-clock seconds of the window the capacity figures are drawn from (busy ones).',
  fairness_jain: 'Jain\'s index over each zone\'s device time / fair time: 1 when every zone got its due.',
  fairness_min_max_ratio: 'Lowest over highest device time / fair time of any zone.',
  policy_throughput_loss_ratio: 'Share of the baseline\'s device work the policy would not have done in the window.',
  policy_idle_while_waiting_seconds: 'Device time left idle while IO waited under the policy (what a cap leaves unused).',
  policy_makespan_seconds: 'When the policy would have served the window\'s last IO, from the window\'s start.',
  policy_jain: 'Jain\'s index of the device time under the policy.',
  policy_zone_ops_completed: 'IOs of the zone the policy completed in the replay.',
  policy_zone_slowdown_ratio: 'Mean latency under the policy over mean latency under the baseline (fifo).',
};

const escapeHelp = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
/** Label values: control characters as visible escapes (as everywhere), then the format's own escapes. */
const escapeLabel = (s: string) => safeTerm(s).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** A metric name part from a flattened field name: units in base units, fractions as _ratio. */
function metricPart(field: string): { name: string; scale: number } {
  const { base, unit } = unitOf(field);
  if (unit === '_us') return { name: `${base}_seconds`, scale: 1e-6 };
  if (unit === '_ns') return { name: `${base}_seconds`, scale: 1e-9 };
  if (unit === '_s') return { name: `${base}_seconds`, scale: 1 };
  if (unit === '_bytes_per_s') return { name: `${base}_bytes_per_second`, scale: 1 };
  if (unit === '_per_s') return { name: `${base}_per_second`, scale: 1 };
  if (RENAMES[field]) return { name: RENAMES[field], scale: 1 };
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
  const whose = section === 'policy_zone' ? 'The zone\'s' : `The ${section}'s`;
  const lat = /^latency_(mean|max|p(\d+))_us$/.exec(field);
  if (lat) {
    const what = lat[1] === 'mean' ? 'mean' : lat[1] === 'max' ? 'highest' : `${lat[2].replace(/^(\d\d)(\d)$/, '$1.$2')}th percentile`;
    return `${whose} ${what} issue-to-completion latency in the window${section.startsWith('policy') ? ' under the policy' : ''}.`;
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
  for (const z of a.zones) fields(e, 'zone', z, [['zone', z.zone]], new Set(['zone', 'latency_histogram']));
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
    fields(e, 'policy', p, pl, new Set(['policy', 'loop', 'params', 'zones']));
    for (const z of p.zones) fields(e, 'policy_zone', z, [...pl, ['zone', z.zone]], new Set(['zone', 'latency_histogram']));
  }

  if (a.verdict) {
    for (const [kind, part] of Object.entries(a.verdict)) {
      if (part === null || typeof part !== 'object') continue;
      fields(e, 'verdict', part, [['kind', kind]], new Set());
    }
  }
  return e.text();
}

export const promRenderer: Renderer = {
  name: 'prom',
  description: 'Prometheus text format 0.0.4 for node_exporter\'s textfile collector (gauges, latency histograms)',
  machineReadable: true,
  extension: 'prom',
  usesTimeline: false,
  render: (a) => renderProm(a),
};
