// --fail-on EXPR[,EXPR]: thresholds for cron jobs. The lead's CLI exits 1 when evaluateFailOn()
// returns anything, printing each description on stderr.
//
//   [ZONE:]METRIC OP VALUE     OP one of > >= < <=
//   deviation        a zone's device share − its fair share (per zone)
//   share            a zone's device share (per zone)
//   p50 p90 p99 p999 mean max   a zone's observed latency (per zone); VALUE with a unit (50ms)
//   jain             Jain's index over zones
//   POLICY-loss      a replayed policy's throughput_loss: cap-loss, throttle-loss, fair-loss
//   POLICY-idle      a replayed policy's idle_while_waiting_s (VALUE a duration)
// A per-zone metric without ZONE: is checked for every zone; with it, only for that zone.

import { InvalidArgumentError } from 'commander';
import type { Analysis, ZoneResult } from '../core/analysis.js';
import { parseDurationNs } from './units.js';

export type Cmp = '>' | '>=' | '<' | '<=';

export interface FailOnExpr {
  text: string;
  zone: string | null;
  metric: string;
  op: Cmp;
  /** Threshold in the metric's unit (latency: µs; idle: s). */
  value: number;
}

const LATENCY = new Map<string, keyof ZoneResult['latency_us']>([
  ['p50', 'p50'],
  ['p90', 'p90'],
  ['p99', 'p99'],
  ['p999', 'p999'],
  ['mean', 'mean'],
  ['max', 'max'],
]);

function isMetric(m: string): boolean {
  return m === 'deviation' || m === 'share' || m === 'jain' || LATENCY.has(m) || /^[a-z][a-z0-9_]*-(loss|idle)$/.test(m);
}

export function parseFailOn(text: string): FailOnExpr[] {
  const out: FailOnExpr[] = [];
  for (const raw of text.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const m = /^(.*?)(>=|<=|>|<)(.*)$/.exec(item);
    if (!m) throw new InvalidArgumentError(`--fail-on: '${item}' has no comparison (expected e.g. p99>50ms, jain<0.8, cap-loss>0.1)`);
    let lhs = m[1].trim();
    let zone: string | null = null;
    const colon = lhs.lastIndexOf(':');
    if (colon >= 0) {
      zone = lhs.slice(0, colon).trim();
      lhs = lhs.slice(colon + 1).trim();
      if (zone === '') throw new InvalidArgumentError(`--fail-on: '${item}' has an empty zone before ':'`);
    }
    const metric = lhs.toLowerCase();
    if (!isMetric(metric))
      throw new InvalidArgumentError(
        `--fail-on: unknown metric '${lhs}' in '${item}' (known: deviation, share, jain, p50, p90, p99, p999, mean, max, POLICY-loss, POLICY-idle)`,
      );
    if (zone !== null && !(metric === 'deviation' || metric === 'share' || LATENCY.has(metric)))
      throw new InvalidArgumentError(`--fail-on: '${metric}' is not a per-zone metric ('${item}')`);
    const v = m[3].trim();
    let value: number;
    if (LATENCY.has(metric) || metric.endsWith('-idle')) {
      let ns: number;
      try {
        ns = parseDurationNs(v, LATENCY.has(metric) ? 'ms' : 's');
      } catch {
        throw new InvalidArgumentError(`--fail-on: '${v}' in '${item}' is not a duration (e.g. 50ms, 2s)`);
      }
      value = LATENCY.has(metric) ? ns / 1e3 : ns / 1e9;
    } else {
      value = /^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(v) ? Number(v) : NaN;
      if (!Number.isFinite(value)) throw new InvalidArgumentError(`--fail-on: '${v}' in '${item}' is not a number`);
    }
    out.push({ text: item, zone, metric, op: m[2] as Cmp, value });
  }
  if (out.length === 0) throw new InvalidArgumentError('--fail-on: no expression');
  return out;
}

function holds(x: number, op: Cmp, v: number): boolean {
  return op === '>' ? x > v : op === '>=' ? x >= v : op === '<' ? x < v : x <= v;
}

function fmt(metric: string, x: number): string {
  if (LATENCY.has(metric)) return x >= 1e3 ? `${+(x / 1e3).toPrecision(4)} ms` : `${+x.toPrecision(4)} µs`;
  if (metric.endsWith('-idle')) return `${+x.toPrecision(4)} s`;
  return `${+x.toPrecision(4)}`;
}

/** The descriptions of the thresholds crossed (empty: none). Metrics that are null are not judged. */
export function evaluateFailOn(analysis: Analysis, exprs: FailOnExpr[]): string[] {
  const out: string[] = [];
  const crossed = (e: FailOnExpr, what: string, x: number) =>
    out.push(`${what} is ${fmt(e.metric, x)} (--fail-on ${e.text})`);
  for (const e of exprs) {
    const lat = LATENCY.get(e.metric);
    if (e.metric === 'deviation' || e.metric === 'share' || lat) {
      for (const z of analysis.zones) {
        if (e.zone !== null && z.zone !== e.zone) continue;
        const x = lat ? z.latency_us[lat] : e.metric === 'share' ? z.device_share : z.deviation;
        if (x !== null && holds(x, e.op, e.value)) crossed(e, `${e.metric} of zone ${z.zone}`, x);
      }
      if (e.zone !== null && !analysis.zones.some((z) => z.zone === e.zone))
        out.push(`zone ${e.zone} named in --fail-on ${e.text} is not in the trace`);
    } else if (e.metric === 'jain') {
      const x = analysis.fairness.jain;
      if (x !== null && holds(x, e.op, e.value)) crossed(e, "Jain's fairness index", x);
    } else {
      const dash = e.metric.lastIndexOf('-');
      const pol = e.metric.slice(0, dash);
      const kind = e.metric.slice(dash + 1);
      for (const p of analysis.policies) {
        if (p.policy !== pol) continue;
        const x = kind === 'loss' ? p.throughput_loss : p.idle_while_waiting_s;
        const what = kind === 'loss' ? `throughput loss under ${pol} (${p.loop} loop)` : `idle time while IO waited under ${pol} (${p.loop} loop)`;
        if (x !== null && holds(x, e.op, e.value)) crossed(e, what, x);
      }
    }
  }
  return out;
}
