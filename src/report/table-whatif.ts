// The table report's "What if" section: one row per replayed policy, fitted to the width; below
// COMPACT_BELOW columns the zones each policy hurt or helped most go on lines of their own.

import type { ChalkInstance } from 'chalk';
import type { Analysis, PolicyResult } from '../core/analysis.js';
import { fmtPct, fmtRatio, fmtS, fmtUs } from './format.js';
import { cellText, COMPACT_BELOW, fitTable, wrapText, type Column } from './table-layout.js';

export function whatIfSection(a: Analysis, chalk: ChalkInstance, width: number): string[] {
  if (!a.policies.length) return [];
  const out: string[] = [];
  const compact = width < COMPACT_BELOW;
  const fid = (a as { replay_fidelity?: { rms_pct: number | null } }).replay_fidelity?.rms_pct;
  out.push(
    ...wrapText(
      chalk.bold('What if') +
        ` (model: one unit-rate server per device, ${a.policies[0].loop}-loop replay; baseline fifo` +
        (fid === null || fid === undefined ? ')' : `, which reproduces the observed latencies within ${fmtPct(fid / 100)} RMS)`),
      width,
      2,
    ),
  );
  const cols: Column[] = [
    { head: 'policy', align: 'left', wrap: true },
    { head: 'throughput' },
    { head: compact ? 'idle waiting' : 'idle while waiting' },
    { head: 'makespan', drop: 2 },
    { head: 'Jain', drop: 1 },
  ];
  // the zones hurt and helped most stay: they wrap rather than go
  if (!compact) cols.push({ head: 'worst hit (p99)', align: 'left', wrap: true }, { head: 'best helped (p99)', align: 'left', wrap: true });
  const details: string[] = [];
  const rows = a.policies.map((p) => {
    const [worst, best] = extremes(a, p);
    if (compact && (worst !== '-' || best !== '-'))
      details.push(`${cellText(p.policy)}: worst hit ${worst}; best helped ${best}`);
    return [cellText(p.policy), lossCell(p.throughput_loss, chalk), fmtS(p.idle_while_waiting_s), fmtS(p.makespan_s), fmtRatio(p.jain), worst, best];
  });
  out.push(fitTable(cols, rows, width));
  for (const d of details) out.push(...wrapText(d, width, 2));
  out.push('');
  return out;
}

/** Throughput lost against the baseline: "0 %" or "-22.2 %" (red above half a percent). */
function lossCell(loss: number | null, chalk: ChalkInstance): string {
  if (loss === null) return '-';
  if (Math.abs(loss) < 0.0005) return fmtPct(0);
  const text = fmtPct(-loss);
  return loss > 0.005 ? chalk.red(text) : text;
}

/** The zone whose p99 rose most and the one whose p99 fell most under a policy, vs. observed. */
function extremes(a: Analysis, p: PolicyResult): [string, string] {
  let worst: [string, number, number] | null = null;
  let best: [string, number, number] | null = null;
  for (const pz of p.zones) {
    const observed = a.zones.find((z) => z.zone === pz.zone);
    if (observed?.kind && observed.kind !== 'tenant') continue;
    const obs = observed?.latency_us.p99;
    const now = pz.latency_us.p99;
    if (obs === null || obs === undefined || now === null || obs <= 0) continue;
    const r = now / obs;
    if (r > 1.001 && (!worst || r > worst[2] / worst[1])) worst = [pz.zone, obs, now];
    if (r < 0.999 && (!best || r < best[2] / best[1])) best = [pz.zone, obs, now];
  }
  const cell = (x: [string, number, number] | null) => (x ? `${cellText(x[0])} ${fmtUs(x[1])} → ${fmtUs(x[2])}` : '-');
  return [cell(worst), cell(best)];
}
