// The table report's "What if" section: one row per replayed policy.

import type { ChalkInstance } from 'chalk';
import type { Analysis, PolicyResult } from '../core/analysis.js';
import { safeTerm } from './sanitize.js';
import { fmtPct, fmtS, fmtUs } from './format.js';
import { plainTable } from './table-layout.js';

export function whatIfSection(a: Analysis, chalk: ChalkInstance): string[] {
  if (!a.policies.length) return [];
  const out: string[] = [];
  const fid = (a as { replay_fidelity?: { rms_pct: number | null } }).replay_fidelity?.rms_pct;
  out.push(
    chalk.bold('What if') +
      ` (model: one unit-rate server per device, ${a.policies[0].loop}-loop replay; baseline fifo` +
      (fid === null || fid === undefined ? ')' : `, which reproduces the observed latencies within ${fid.toFixed(1)} % RMS)`),
  );
  const pt = plainTable(['policy', 'throughput', 'idle while waiting', 'makespan', 'Jain', 'worst hit (p99)', 'best helped (p99)']);
  for (const p of a.policies) {
    const [worst, best] = extremes(a, p);
    pt.push([
      p.policy,
      lossCell(p.throughput_loss, chalk),
      fmtS(p.idle_while_waiting_s),
      fmtS(p.makespan_s),
      p.jain === null ? '-' : p.jain.toFixed(3),
      worst,
      best,
    ]);
  }
  out.push(pt.toString());
  out.push('');
  return out;
}

/** Throughput lost against the baseline: "0.0 %" or "−22.2 %" (red above half a percent). */
function lossCell(loss: number | null, chalk: ChalkInstance): string {
  if (loss === null) return '-';
  if (Math.abs(loss) < 0.0005) return fmtPct(0);
  const text = `${loss > 0 ? '−' : '+'}${fmtPct(Math.abs(loss))}`;
  return loss > 0.005 ? chalk.red(text) : text;
}

/** The zone whose p99 rose most and the one whose p99 fell most under a policy, vs. observed. */
function extremes(a: Analysis, p: PolicyResult): [string, string] {
  let worst: [string, number, number] | null = null;
  let best: [string, number, number] | null = null;
  for (const pz of p.zones) {
    const obs = a.zones.find((z) => z.zone === pz.zone)?.latency_us.p99;
    const now = pz.latency_us.p99;
    if (obs === null || obs === undefined || now === null || obs <= 0) continue;
    const r = now / obs;
    if (r > 1.001 && (!worst || r > worst[2] / worst[1])) worst = [pz.zone, obs, now];
    if (r < 0.999 && (!best || r < best[2] / best[1])) best = [pz.zone, obs, now];
  }
  const cell = (x: [string, number, number] | null) => (x ? `${safeTerm(x[0])} ${fmtUs(x[1])} → ${fmtUs(x[2])}` : '-');
  return [cell(worst), cell(best)];
}
