// The table report's "What if" section: one row per replayed policy, fitted to the width. What
// each row means is in the Verdict below it; every figure here is the JSON's, and the zones whose
// p99 doubled or halved are the verdict's findings (src/core/verdict.ts), not chosen here. Below
// COMPACT_BELOW columns those zones go on lines of their own.

import type { ChalkInstance } from 'chalk';
import type { Analysis } from '../core/analysis.js';
import { fmtNum, fmtPct } from './format.js';
import { policyFigures } from './figures.js';
import { cellText, COMPACT_BELOW, fitTable, wrapText, type Column } from './table-layout.js';

/** Devices named in the model's description before the rest are counted. */
const DEVICES_NAMED = 3;

/** What the replay modelled: "one unit-rate server per device", or each device's slots. */
function modelText(a: Analysis): string {
  if (a.input.fidelity !== 'events') return 'a fluid model per interval';
  const devices = (a as { replay_fidelity?: { devices?: { device: string; parallelism: number }[] } }).replay_fidelity?.devices ?? [];
  if (!devices.some((d) => d.parallelism > 1)) return 'one unit-rate server per device';
  const named = devices.slice(0, DEVICES_NAMED).map((d) => `${cellText(d.device)}: ${fmtNum(d.parallelism)}`);
  if (devices.length > DEVICES_NAMED) named.push(`${devices.length - DEVICES_NAMED} more`);
  return `K unit-rate slots per device behind the policy's queue (${named.join(', ')})`;
}

export function whatIfSection(a: Analysis, chalk: ChalkInstance, width: number): string[] {
  if (!a.policies.length) return [];
  const out: string[] = [];
  const compact = width < COMPACT_BELOW;
  const fid = (a as { replay_fidelity?: { rms_pct: number | null } }).replay_fidelity?.rms_pct;
  const loop = a.policies[0].loop;
  const loopText = loop === 'per-zone' ? 'each zone open or closed loop as below' : `${loop}-loop replay`;
  const model = modelText(a);
  out.push(
    ...wrapText(
      chalk.bold('What if') +
        ` (model: ${model}, ${loopText}; baseline fifo` +
        (fid === null || fid === undefined ? ')' : `, which reproduces the observed latencies within ${fmtPct(fid / 100)} RMS)`),
      width,
      2,
    ),
  );
  const cols: Column[] = [
    { head: 'policy', align: 'left', wrap: true },
    { head: 'IOs lost', drop: 3 },
    { head: 'bytes lost', drop: 3 },
    { head: 'time lost' },
    { head: 'IOs not done', drop: 4 },
    { head: compact ? 'idle, IO waiting' : 'idle while IO waited', align: 'left', wrap: true },
    { head: 'makespan', drop: 2 },
    { head: 'Jain', drop: 1 },
  ];
  // the zones whose p99 doubled or halved stay: they wrap rather than go
  if (!compact) cols.push({ head: 'p99 doubled', align: 'left', wrap: true }, { head: 'p99 halved', align: 'left', wrap: true });
  const findings = new Map((a.verdict?.policies ?? []).map((f) => [f.policy, f]));
  const threshold = a.verdict?.thresholds.cost;
  const details: string[] = [];
  const rows = a.policies.map((p) => {
    const f = findings.get(p.policy);
    const g = policyFigures(p, f, cellText);
    if (compact && (g.raised !== '-' || g.cut !== '-')) {
      const parts = [g.raised !== '-' ? `p99 doubled ${g.raised}` : '', g.cut !== '-' ? `p99 halved ${g.cut}` : ''].filter(Boolean);
      details.push(`${g.policy}: ${parts.join('; ')}`);
    }
    const costly = threshold !== undefined && f?.cost != null && f.cost > threshold;
    return [g.policy, g.opsLost, g.bytesLost, g.timeLost, g.backlogOps, costly ? chalk.red(g.idle) : g.idle, g.makespan, g.jain, g.raised, g.cut];
  });
  out.push(fitTable(cols, rows, width));
  for (const d of details) out.push(...wrapText(d, width, 2));
  out.push(
    ...wrapText(
      'lost: of what fifo completed within the window (IOs, bytes, device time), the share the policy did not complete there',
      width,
    ),
  );
  out.push('');
  return out;
}
