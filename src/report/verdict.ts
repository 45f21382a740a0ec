// The verdict in plain words, composed from the numbers src/core/verdict.ts computed.
// No statistic is computed here: only wording and formatting.

import type { Verdict, VerdictPart } from '../core/analysis.js';
import type { PolicyVerdict, VerdictNumbers, ZoneChange } from '../core/verdict.js';
import { fmtPct, fmtS, fmtUs } from './format.js';

/** A fraction as a percentage, in the report's one number format (format.ts). */
export const pctText = (x: number): string => fmtPct(x);

/** Microseconds as a duration, in the report's one number format. */
export const durText = (us: number): string => fmtUs(us);

const secText = (s: number): string => fmtS(s);

function capWhat(p: PolicyVerdict): string {
  const spec = String(p.params.spec ?? '');
  if (spec === 'auto' || spec === '') return 'Capping each zone at its fair share of the median capacity';
  return `Capping zones at ${spec}`;
}

function change(c: ZoneChange, verb: string): string {
  return `${verb} ${c.zone}'s p99 from ${durText(c.p99_before_us)} to ${durText(c.p99_after_us)}`;
}

/** A p99 change worth naming: at least 10 % either way. */
function notable(c: ZoneChange | null, dir: 'up' | 'down'): c is ZoneChange {
  return c !== null && (dir === 'up' ? c.ratio >= 1.1 : c.ratio <= 0.9);
}

function effects(p: PolicyVerdict): string {
  const parts: string[] = [];
  if (notable(p.best_helped, 'down')) parts.push(change(p.best_helped, 'cut'));
  if (notable(p.worst_hit, 'up')) parts.push(change(p.worst_hit, 'raised'));
  return parts.join(' and ');
}

function loopNote(p: PolicyVerdict, what: string): string {
  if (!p.loops_disagree || !p.other_loop) return '';
  const o = p.other_loop;
  const says = o.costs_performance ? `would cost ${pctText(o.throughput_loss ?? 0)}` : 'would cost no throughput';
  return ` The ${o.loop}-loop replay disagrees: there ${what} ${says}.`;
}

function capPart(p: PolicyVerdict | null): VerdictPart {
  if (!p) return { costs_performance: null, throughput_loss: null, summary: 'Capping was not replayed.' };
  if (p.throughput_loss === null)
    return { costs_performance: null, throughput_loss: null, summary: 'Capping could not be judged: the trace has no device work.' };
  const what = capWhat(p);
  const eff = effects(p);
  let s: string;
  if (p.costs_performance) {
    s = `${what} would have cost ${pctText(p.throughput_loss)} of throughput`;
    if (p.idle_while_waiting_s !== null && p.idle_while_waiting_s > 0)
      s += `: the disk sat idle ${secText(p.idle_while_waiting_s)} while capped IO waited`;
    s += eff ? `, and ${eff}.` : '.';
  } else {
    s = `${what} would have cost no throughput (${pctText(p.throughput_loss)})`;
    s += eff ? ` and ${eff}.` : '.';
  }
  return { costs_performance: p.costs_performance, throughput_loss: p.throughput_loss, summary: s + loopNote(p, 'capping') };
}

function throttlePart(p: PolicyVerdict | null): VerdictPart {
  if (!p) return { costs_performance: null, throughput_loss: null, summary: 'Throttling was not replayed.' };
  if (p.throughput_loss === null)
    return { costs_performance: null, throughput_loss: null, summary: 'Throttling could not be judged: the trace has no device work.' };
  const eff = effects(p);
  let s = `Throttling would have cost ${pctText(p.throughput_loss)}${p.costs_performance ? ' of throughput' : ''}`;
  s += eff ? ` and ${eff}.` : p.costs_performance ? '.' : ', and changed no zone\'s p99 by 10 % or more.';
  return { costs_performance: p.costs_performance, throughput_loss: p.throughput_loss, summary: s + loopNote(p, 'throttling') };
}

/** The JSON contract's verdict{} from the numbers. */
export function verdictText(v: VerdictNumbers): Verdict {
  const capping = capPart(v.capping);
  const throttling = throttlePart(v.throttling);
  const loopWords =
    v.loop === 'open'
      ? 'Open-loop replay (arrivals as traced; this overstates what throttling costs).'
      : 'Closed-loop replay (each zone waits for its own IOs).';
  const rec: string[] = [];
  const fair = v.fair;
  const helped = (p: PolicyVerdict | null) => p !== null && notable(p.best_helped, 'down');
  const cheap = (p: PolicyVerdict | null) => p !== null && p.costs_performance === false;
  if (v.capping?.costs_performance && (cheap(v.throttling) || cheap(fair))) {
    const alt = cheap(fair) && helped(fair) ? 'fair queuing' : cheap(v.throttling) ? 'the zone throttle' : 'fair queuing';
    rec.push(`Static caps leave the disk idle while tenants wait; prefer ${alt}, which keeps the disk busy.`);
  } else if (v.capping?.costs_performance) {
    rec.push('Static caps cost throughput on this trace; use them only to enforce a contract, not for fairness.');
  } else if (v.capping && v.capping.costs_performance === false) {
    rec.push('At these limits the caps never bound throughput on this trace, so they protected nobody either.');
  }
  if (fair && cheap(fair) && helped(fair))
    rec.push(`Fair queuing would have cost ${pctText(fair.throughput_loss ?? 0)} and ${change(fair.best_helped!, 'cut')}.`);
  else if (v.baseline_jain !== null && v.baseline_jain >= 0.95 && !helped(fair) && !helped(v.throttling))
    rec.push('The disk was already shared fairly; no policy is needed.');
  if (rec.length === 0) rec.push('No policy clearly helps on this trace.');
  const disagree = [v.capping, v.throttling, v.fair].some((p) => p?.loops_disagree);
  rec.push(disagree ? `${loopWords} Open and closed loop disagree; see above.` : loopWords);
  return { capping, throttling, recommendation: rec.join(' ') };
}
