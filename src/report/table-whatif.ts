// The table report's "What if" section: one row per replayed policy, fitted to the width. What
// each row means is in the Verdict below it; every figure here is the JSON's, and the zones whose
// p99 doubled or halved are the verdict's findings (src/core/verdict.ts), not chosen here. Below
// COMPACT_BELOW columns those zones go on lines of their own.

import type { ChalkInstance } from 'chalk';
import type { Analysis, PolicyFinding, ZoneP99Change } from '../core/analysis.js';
import { fmtNum, fmtPct, fmtRatio, fmtS, fmtUs } from './format.js';
import { cellText, COMPACT_BELOW, fitTable, wrapText, type Column } from './table-layout.js';

/** A share of fifo's work left undone: "0 %" or "22.2 %" (negative when the policy did more). */
export function lostCell(x: number | null | undefined): string {
  if (x === null || x === undefined) return '-';
  if (Math.abs(x) < 0.0005) return fmtPct(0);
  return fmtPct(x);
}

/** Idle time while IO waited on the worst device: "20.8 s sd0 (52 %)", red above the cost threshold. */
function idleCell(f: PolicyFinding | undefined, threshold: number | undefined, chalk: ChalkInstance): string {
  const d = f?.worst_device;
  if (!f || !d || f.cost === null) return '-';
  if (!(d.idle_while_waiting_s > 0)) return fmtS(0);
  const text = `${fmtS(d.idle_while_waiting_s)} ${cellText(d.device)} (${fmtPct(f.cost)})`;
  return threshold !== undefined && f.cost > threshold ? chalk.red(text) : text;
}

/** The first p99 change of a list, and how many more: "backup 996 ms → 514 s (+2 more)". */
function changeCell(cs: ZoneP99Change[] | undefined): string {
  if (!cs || cs.length === 0) return '-';
  const c = cs[0];
  return `${cellText(c.zone)} ${fmtUs(c.before_us)} → ${fmtUs(c.after_us)}` + (cs.length > 1 ? ` (+${cs.length - 1} more)` : '');
}

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
    const raised = changeCell(f?.raised);
    const cut = changeCell(f?.cut);
    if (compact && (raised !== '-' || cut !== '-')) {
      const parts = [raised !== '-' ? `p99 doubled ${raised}` : '', cut !== '-' ? `p99 halved ${cut}` : ''].filter(Boolean);
      details.push(`${cellText(p.policy)}: ${parts.join('; ')}`);
    }
    return [
      cellText(p.policy),
      lostCell(p.work_lost?.ops),
      lostCell(p.work_lost?.bytes),
      lostCell(p.work_lost?.device_s),
      p.backlog ? fmtNum(p.backlog.ops) : '-',
      idleCell(f, threshold, chalk),
      fmtS(p.makespan_s),
      fmtRatio(p.jain),
      raised,
      cut,
    ];
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
