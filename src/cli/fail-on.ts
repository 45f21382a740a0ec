// --fail-on EXPR[,EXPR...]: thresholds for cron jobs (see FAIL_ON_HELP for the grammar).
//
// A threshold that cannot be judged is a usage error, never a silent pass: an unknown metric or
// zone, a policy that is not replayed, or a metric the input's fidelity does not give (p99 of an
// interval input). What can be checked from the options alone is checked before the input is
// read (parseFailOn, checkFailOnPolicies); the rest once the analysis is done (judgeFailOn).

import { InvalidArgumentError } from 'commander';
import type { Analysis, ZoneResult } from '../core/analysis.js';
import { THRESHOLDS } from '../core/thresholds.js';
import { fmtPct, fmtPp, fmtRatio, fmtS, fmtUs } from '../report/format.js';
import { nearNames } from './suggest.js';
import { DURATION_UNITS_TEXT, parseDurationNs } from './units.js';

export type Cmp = '>' | '>=' | '<' | '<=';

/** How a metric's threshold is written and its value shown. */
type Kind = 'latency' | 'seconds' | 'deviation' | 'fraction' | 'index';

export interface FailOnExpr {
  text: string;
  zone: string | null;
  metric: string;
  op: Cmp;
  /** Threshold in the JSON report's unit: latency µs, idle s, the rest fractions. */
  value: number;
  /** deviation only: compare the signed deviation (threshold written with a sign); else its magnitude. */
  signed: boolean;
}

const LATENCY = new Map<string, keyof ZoneResult['latency_us']>([
  ['p50', 'p50'],
  ['p90', 'p90'],
  ['p99', 'p99'],
  ['p999', 'p999'],
  ['mean', 'mean'],
  ['max', 'max'],
]);
const PER_ZONE = new Set(['deviation', 'share', ...LATENCY.keys()]);

export const FAIL_ON_HELP = `--fail-on EXPR[,EXPR...]: exit 1 when any threshold is crossed; the report is printed
either way. EXPR is [ZONE:]METRIC OP VALUE, OP one of > >= < <=. Per zone (every zone,
or only ZONE):
  deviation         device share − fair share: 0.05, 5pp or 5%. Unsigned, it compares the
                    magnitude (deviation>5pp: more than 5 pp above or below the fair share;
                    deviation<5pp: within 5 pp); with a sign, the signed value
                    (deviation<-5pp: starved by more than 5 pp; deviation>+5pp: took more)
  share             device share: 0.3 or 30%
  p50 p90 p99 p999 mean max
                    observed latency, with a unit: 50ms, 2s, 800us
Whole input:
  jain              Jain's fairness index, 0 to 1: jain<0.8
  POLICY-loss       a replayed policy's throughput loss: cap-loss>10%, throttle-loss>0.01
  POLICY-idle       the longest any one device sat idle while IO waited under it, with
                    a unit: cap-idle>30s
  POLICY-cost       the same as a share of the trace's window, the verdict's measure
                    (it costs performance above ${fmtPct(THRESHOLDS.cost)}): cap-cost>1%
A metric the input or the replay does not give (p99 of interval input, cap-loss under
--policy none), an unknown metric or an unknown ZONE is a usage error (exit 2).`;

function holds(x: number, op: Cmp, v: number): boolean {
  return op === '>' ? x > v : op === '>=' ? x >= v : op === '<' ? x < v : x <= v;
}

function kindOf(metric: string): Kind {
  if (LATENCY.has(metric)) return 'latency';
  if (metric === 'deviation') return 'deviation';
  if (metric === 'share') return 'fraction';
  if (metric === 'jain') return 'index';
  return metric.endsWith('-idle') ? 'seconds' : 'fraction';
}

function knownMetrics(policies: readonly string[]): string[] {
  return [...PER_ZONE, 'jain', ...policies.flatMap((p) => [`${p}-loss`, `${p}-idle`, `${p}-cost`])];
}

const NUMBER = String.raw`(?:\d+(?:\.\d*)?|\.\d+)`;

/** The threshold of `metric` as written → its value in the report's unit, and whether it was signed. */
function parseValue(kind: Kind, v: string, item: string): { value: number; signed: boolean } {
  const bad = (why: string) => new InvalidArgumentError(`--fail-on: '${item}': ${why}`);
  if (kind === 'latency' || kind === 'seconds') {
    let ns: number;
    try {
      ns = parseDurationNs(v);
    } catch {
      throw bad(`'${v}' is not a duration (a number and a unit: ${DURATION_UNITS_TEXT}; e.g. ${kind === 'latency' ? '50ms' : '30s'})`);
    }
    return { value: kind === 'latency' ? ns / 1e3 : ns / 1e9, signed: false };
  }
  const m = new RegExp(String.raw`^([+-]?)(${NUMBER})\s*(pp|%)?$`).exec(v);
  if (!m) {
    const forms = kind === 'deviation' ? 'a fraction, pp or % (0.05, 5pp, 5%)' : kind === 'fraction' ? 'a fraction or % (0.1, 10%)' : 'a number from 0 to 1';
    throw bad(`'${v}' is not ${forms}`);
  }
  const [, sign, num, unit] = m;
  if (kind === 'index' && unit) throw bad(`Jain's index is a number from 0 to 1, not ${unit}`);
  if (kind === 'fraction' && unit === 'pp') throw bad(`write a share or a loss as a fraction or in % (${num}%), pp is for deviation`);
  const value = (sign === '-' ? -1 : 1) * Number(num) * (unit ? 0.01 : 1);
  if (kind === 'deviation') {
    if (Math.abs(value) > 1) throw bad(`a deviation is at most 1 (100pp) either way; for ${num} percentage points write ${sign}${num}pp`);
    return { value, signed: sign !== '' };
  }
  if (value < 0 || value > 1)
    throw bad(kind === 'index' ? "Jain's index is between 0 and 1" : `a fraction is between 0 and 1; for ${num} percent write ${num}%`);
  return { value, signed: false };
}

/** Parses one --fail-on argument. `policies`: the policy names POLICY-loss/-idle may name. */
export function parseFailOn(text: string, policies: readonly string[]): FailOnExpr[] {
  const out: FailOnExpr[] = [];
  for (const raw of text.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const m = /^(.*?)(>=|<=|>|<)(.*)$/.exec(item);
    if (!m) throw new InvalidArgumentError(`--fail-on: '${item}' has no comparison (expected e.g. p99>50ms, jain<0.8, cap-loss>10%)`);
    let lhs = m[1].trim();
    let zone: string | null = null;
    const colon = lhs.lastIndexOf(':');
    if (colon >= 0) {
      zone = lhs.slice(0, colon).trim();
      lhs = lhs.slice(colon + 1).trim();
      if (zone === '') throw new InvalidArgumentError(`--fail-on: '${item}' has an empty zone before ':'`);
    }
    const metric = lhs.toLowerCase();
    const known = knownMetrics(policies);
    if (!known.includes(metric)) {
      const near = nearNames(metric, known);
      throw new InvalidArgumentError(
        `--fail-on: unknown metric '${lhs}' in '${item}'${near.length ? ` (did you mean ${near.join(' or ')}?)` : ''}; ` +
          `known: deviation, share, p50, p90, p99, p999, mean, max, jain, and POLICY-loss, POLICY-idle, POLICY-cost for POLICY in ${policies.join(', ')}`,
      );
    }
    if (zone !== null && !PER_ZONE.has(metric))
      throw new InvalidArgumentError(`--fail-on: '${item}': ${metric} is not a per-zone metric, so it takes no ZONE:`);
    const v = m[3].trim();
    out.push({ text: item, zone, metric, op: m[2] as Cmp, ...parseValue(kindOf(metric), v, item) });
  }
  if (out.length === 0) throw new InvalidArgumentError('--fail-on: no expression');
  return out;
}

/** The policy a POLICY-loss / POLICY-idle / POLICY-cost metric names, else null. */
function policyOf(metric: string): string | null {
  const m = /^(.*)-(loss|idle|cost)$/.exec(metric);
  return m ? m[1] : null;
}

/** Reasons the expressions cannot be judged given the replayed policies (before any input is read). */
export function checkFailOnPolicies(exprs: readonly FailOnExpr[], replayed: readonly string[]): string[] {
  const out: string[] = [];
  for (const e of exprs) {
    const p = policyOf(e.metric);
    if (p !== null && !replayed.includes(p))
      out.push(`--fail-on ${e.text}: the ${p} policy is not replayed (--policy ${replayed.length ? replayed.join(',') : 'none'})`);
  }
  return out;
}

export interface FailOnJudgement {
  /** The thresholds crossed, each naming zone, metric, value and threshold (exit 1). */
  crossed: string[];
  /** Thresholds that could not be judged, with the reason (a usage error: exit 2). */
  unjudged: string[];
  /** Zones a whole-input per-zone threshold skipped because the input has no value for them. */
  notes: string[];
}

/** x in the metric's report unit ("12.3 ms", "+9.5 pp"); `digits` > 0: that many significant digits. */
function inUnit(kind: Kind, y: number, digits: number, showSign: boolean): string {
  switch (kind) {
    case 'latency':
      return digits ? `${+(y / 1e3).toPrecision(digits)} ms` : fmtUs(y);
    case 'seconds':
      return digits ? `${+y.toPrecision(digits)} s` : fmtS(y);
    case 'deviation': {
      const t = digits ? `${y > 0 ? '+' : ''}${+(y * 100).toPrecision(digits)} pp` : fmtPp(y);
      return showSign ? t : t.replace(/^\+/, '');
    }
    case 'fraction':
      return digits ? `${+(y * 100).toPrecision(digits)} %` : fmtPct(y);
    case 'index':
      return digits ? `${+y.toPrecision(digits)}` : fmtRatio(y);
  }
}

/** The value and the threshold as the report shows them, with more digits where they would read the same. */
function shown(kind: Kind, x: number, v: number, signed: boolean): [string, string] {
  let pair: [string, string] = ['', ''];
  for (const digits of [0, 6, 15]) {
    pair = [inUnit(kind, x, digits, true), inUnit(kind, v, digits, signed)];
    const unsigned = pair.map((t) => t.replace(/^[+-]/, ''));
    if (unsigned[0] !== unsigned[1] || x === v) break;
  }
  return pair;
}

const OP_TEXT: Record<Cmp, string> = { '>': '>', '>=': '≥', '<': '<', '<=': '≤' };

/** One crossed-threshold line: "zone db01: p99 180 ms > 50.0 ms (--fail-on p99>50ms)". */
function crossedText(e: FailOnExpr, subject: string, label: string, x: number): string {
  const kind = kindOf(e.metric);
  const [xs, vs] = shown(kind, x, e.value, e.signed);
  const judged = kind === 'deviation' && !e.signed ? `|${label}| ${OP_TEXT[e.op]} ${vs}` : `${OP_TEXT[e.op]} ${vs}`;
  const left = kind === 'deviation' && !e.signed ? `${label} ${xs}, ${judged}` : `${label} ${xs} ${judged}`;
  return `${subject}${left} (--fail-on ${e.text})`;
}

function zoneValue(z: ZoneResult, metric: string): number | null {
  const lat = LATENCY.get(metric);
  if (lat) return z.latency_us[lat];
  return metric === 'share' ? z.device_share : z.deviation;
}

/** Why `metric` has no value on this input (for the usage error). */
function missingWhy(a: Analysis, metric: string): string {
  const fid = a.input.fidelity;
  if (LATENCY.has(metric) && metric !== 'mean' && fid === 'intervals') return 'interval input has no latency distribution (at most a mean)';
  if (LATENCY.has(metric) && fid === 'intervals') return 'the interval tool reports no latency';
  if ((metric === 'deviation' || metric === 'share') && fid === 'histograms') return 'histogram input has no device time';
  if (metric === 'jain') return 'no zone has a fair share to compare with';
  return `the ${fid} input gives no ${metric}`;
}

/** The most any one device sat idle while IO waited under the policy (seconds), or null when not computed. */
function longestDeviceIdle(p: Analysis['policies'][number]): number | null {
  if (p.idle_while_waiting_s === null) return null;
  return p.devices.reduce((m, d) => Math.max(m, d.idle_while_waiting_s), 0);
}

/** Judges every expression against the finished analysis. */
export function judgeFailOn(a: Analysis, exprs: readonly FailOnExpr[]): FailOnJudgement {
  const j: FailOnJudgement = { crossed: [], unjudged: [], notes: [] };
  const zoneNames = a.zones.map((z) => z.zone);
  for (const e of exprs) {
    const test = (x: number) => holds(e.signed || e.metric !== 'deviation' ? x : Math.abs(x), e.op, e.value);
    if (PER_ZONE.has(e.metric)) {
      if (e.zone !== null) {
        const z = a.zones.find((q) => q.zone === e.zone);
        const x = z ? zoneValue(z, e.metric) : null;
        if (!z)
          j.unjudged.push(
            `--fail-on ${e.text}: zone ${e.zone} is not in the input` +
              (zoneNames.length ? ` (zones: ${zoneNames.slice(0, 8).join(', ')}${zoneNames.length > 8 ? ', …' : ''})` : ' (it names no zones)'),
          );
        else if (x === null) j.unjudged.push(`--fail-on ${e.text}: zone ${e.zone} has no ${e.metric}: ${missingWhy(a, e.metric)}`);
        else if (test(x)) j.crossed.push(crossedText(e, `zone ${z.zone}: `, e.metric, x));
        continue;
      }
      const without: string[] = [];
      let judged = 0;
      for (const z of a.zones) {
        const x = zoneValue(z, e.metric);
        if (x === null) {
          without.push(z.zone);
          continue;
        }
        judged++;
        if (test(x)) j.crossed.push(crossedText(e, `zone ${z.zone}: `, e.metric, x));
      }
      if (judged === 0) j.unjudged.push(`--fail-on ${e.text}: no zone has a ${e.metric}: ${a.zones.length ? missingWhy(a, e.metric) : 'the input names no zones'}`);
      else if (without.length) j.notes.push(`--fail-on ${e.text}: not judged for zone(s) without a ${e.metric}: ${without.join(', ')}`);
    } else if (e.metric === 'jain') {
      const x = a.fairness.jain;
      if (x === null) j.unjudged.push(`--fail-on ${e.text}: Jain's index was not computed: ${missingWhy(a, 'jain')}`);
      else if (test(x)) j.crossed.push(crossedText(e, '', "Jain's index", x));
    } else {
      const pol = policyOf(e.metric)!;
      const measure = e.metric.slice(pol.length + 1) as 'loss' | 'idle' | 'cost';
      const runs = a.policies.filter((p) => p.policy === pol);
      if (runs.length === 0) {
        j.unjudged.push(`--fail-on ${e.text}: the ${pol} policy was not replayed on this input (${a.input.fidelity} fidelity; see the report's warnings)`);
        continue;
      }
      for (const p of runs) {
        const x = measure === 'idle' ? longestDeviceIdle(p) : measure === 'cost' ? p.idle_while_waiting_frac : p.throughput_loss;
        const label = measure === 'idle' ? 'longest device idle while IO waited' : measure === 'cost' ? 'device idle while IO waited, share of the window' : 'throughput loss';
        if (x === null) j.unjudged.push(`--fail-on ${e.text}: the ${pol} replay gives no ${label}`);
        else if (test(x)) j.crossed.push(crossedText(e, `${pol} (${p.loop} loop): `, label, x));
      }
    }
  }
  return j;
}
