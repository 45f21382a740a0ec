// The default human-readable report: cli-table3 tables, coloured by a chalk instance whose level
// the cli chose (0 = no colour). Every string from the input passes safeTerm().

import Table from 'cli-table3';
import type { ChalkInstance } from 'chalk';
import type { Analysis, PolicyFinding, ZoneP99Change } from '../core/analysis.js';
import { safeTerm } from './sanitize.js';
import { fmtBytes, fmtNum, fmtPct, fmtPp, fmtS, fmtUs } from './format.js';

export interface TableOptions {
  chalk: ChalkInstance;
}

function table(head: string[], align?: ('left' | 'right')[]): Table.Table {
  return new Table({
    head,
    style: { head: [], border: [], compact: true, 'padding-left': 1, 'padding-right': 1 },
    colAligns: align ?? head.map((_, i) => (i === 0 ? 'left' : 'right')),
    chars: {
      top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
      bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
      left: '', 'left-mid': '', mid: '', 'mid-mid': '',
      right: '', 'right-mid': '', middle: ' ',
    },
  });
}

export function renderTable(a: Analysis, { chalk }: TableOptions): string {
  const out: string[] = [];
  const b = chalk.bold;
  const inp = a.input;
  const src = inp.sources.map(safeTerm).join(', ');
  out.push(
    b('iofair') +
      ` — ${fmtNum(a.zones.length)} zone(s), ${fmtNum(a.devices.length)} device(s), ${fmtNum(inp.records)} record(s)` +
      (inp.duration_s !== null ? ` over ${fmtS(inp.duration_s)}` : '') +
      ` · ${inp.format}, fidelity ${inp.fidelity} · ${src}` +
      (inp.skipped ? chalk.yellow(` · ${fmtNum(inp.skipped)} line(s) skipped`) : '') +
      (inp.events_lost ? chalk.yellow(` · ${fmtNum(inp.events_lost)} event(s) lost`) : '') +
      (inp.partial ? chalk.yellow(' · PARTIAL') : ''),
  );
  out.push('');

  if (!a.zones.length) out.push('No zones: the input names devices only.', '');
  else out.push(b('Zones'));
  const zt = table(['zone', 'weight', 'ops', 'reads', 'writes', 'bytes', 'IOPS', 'bytes/s', 'dev time', 'share', 'fair', 'deviation']);
  const lt = table(['zone', 'mean', 'p50', 'p90', 'p99', 'p99.9', 'max']);
  for (const z of a.zones) {
    const dev = z.deviation;
    const devText = fmtPp(dev);
    const devCell = dev === null ? devText : dev > 0.1 ? chalk.red(devText) : dev < -0.1 ? chalk.yellow(devText) : devText;
    const name = safeTerm(z.zone);
    zt.push([
      name,
      fmtNum(z.weight, z.weight % 1 ? 2 : 0),
      fmtNum(z.ops),
      fmtNum(z.read_ops),
      fmtNum(z.write_ops),
      fmtBytes(z.bytes),
      fmtNum(z.iops, 1),
      fmtBytes(z.bytes_per_s),
      fmtS(z.device_time_s),
      fmtPct(z.device_share),
      fmtPct(z.fair_share),
      devCell,
    ]);
    const l = z.latency_us;
    lt.push([name, fmtUs(l.mean), fmtUs(l.p50), fmtUs(l.p90), fmtUs(l.p99), fmtUs(l.p999), fmtUs(l.max)]);
  }
  const f = a.fairness;
  if (a.zones.length) {
    out.push(zt.toString());
    if (f.jain !== null)
      out.push(
        `Fairness over device time: Jain's index ${f.jain.toFixed(3)} (1 = every zone got its fair share), ` +
          `min/max ${f.min_max_ratio === null ? '-' : f.min_max_ratio.toFixed(3)}`,
      );
    out.push('');
    out.push(b('Latency') + ' (issue to completion)');
    out.push(lt.toString());
    out.push('');
  }

  if (a.devices.length) {
    out.push(b('Devices'));
    const dt = table(['device', 'ops', 'busy', 'util', 'IOPS/busy s: min', 'median', 'max', 'max/min']);
    for (const d of a.devices) {
      dt.push([
        safeTerm(d.device),
        fmtNum(d.ops),
        fmtS(d.busy_s),
        fmtPct(d.utilization),
        fmtNum(d.capacity_iops.min),
        fmtNum(d.capacity_iops.p50),
        fmtNum(d.capacity_iops.max),
        d.capacity_ratio === null ? '-' : `${d.capacity_ratio.toFixed(1)}×`,
      ]);
    }
    out.push(dt.toString());
    out.push('');
  }

  out.push(...whatIfSection(a, chalk));
  out.push(...ladderSection(a, chalk));
  out.push(...verdictSection(a, chalk));

  if (a.warnings.length) {
    out.push(chalk.yellow('Notes'));
    for (const w of a.warnings) out.push(chalk.yellow('- ') + safeTerm(w));
    out.push('');
  }
  return out.join('\n');
}

/** A share of fifo's work left undone: "0.0 %" or "−22.2 %". */
function lostCell(x: number | null | undefined): string {
  if (x === null || x === undefined) return '-';
  if (Math.abs(x) < 0.0005) return fmtPct(0);
  return `−${fmtPct(x)}`;
}

/** Idle time while IO waited on the worst device: "20.8 s sd0 (52.0 %)", red above the cost threshold. */
function idleCell(f: PolicyFinding | undefined, threshold: number | undefined, chalk: ChalkInstance): string {
  const d = f?.worst_device;
  if (!f || !d || f.cost === null) return '-';
  if (!(d.idle_while_waiting_s > 0)) return fmtS(0);
  const text = `${fmtS(d.idle_while_waiting_s)} ${safeTerm(d.device)} (${fmtPct(f.cost)})`;
  return threshold !== undefined && f.cost > threshold ? chalk.red(text) : text;
}

/** The first p99 change of a list, and how many more: "backup 996 ms → 514 s (+2)". */
function changeCell(cs: ZoneP99Change[] | undefined): string {
  if (!cs || cs.length === 0) return '-';
  const c = cs[0];
  return `${safeTerm(c.zone)} ${fmtUs(c.before_us)} → ${fmtUs(c.after_us)}` + (cs.length > 1 ? ` (+${cs.length - 1} more)` : '');
}

/** "What if": one row per replayed policy; what each row means is in the Verdict below it. */
export function whatIfSection(a: Analysis, chalk: ChalkInstance): string[] {
  if (!a.policies.length) return [];
  const out: string[] = [];
  const fid = (a as { replay_fidelity?: { rms_pct: number | null } }).replay_fidelity?.rms_pct;
  const loop = a.policies[0].loop;
  const loopText = loop === 'per-zone' ? 'each zone open or closed loop as below' : `${loop}-loop replay`;
  const model = a.input.fidelity === 'events' ? 'one unit-rate server per device' : 'a fluid model per interval';
  out.push(
    chalk.bold('What if') +
      ` (model: ${model}, ${loopText}; baseline fifo` +
      (fid === null || fid === undefined ? ')' : `, which reproduces the observed latencies within ${fid.toFixed(1)} % RMS)`),
  );
  const pt = table(['policy', 'IOs lost', 'bytes lost', 'time lost', 'not done', 'idle while IO waited', 'makespan', 'Jain', 'p99 doubled', 'p99 halved']);
  const findings = new Map((a.verdict?.policies ?? []).map((f) => [f.policy, f]));
  const threshold = a.verdict?.thresholds.cost;
  for (const p of a.policies) {
    const f = findings.get(p.policy);
    pt.push([
      p.policy,
      lostCell(p.work_lost?.ops),
      lostCell(p.work_lost?.bytes),
      lostCell(p.work_lost?.device_s),
      p.backlog ? fmtNum(p.backlog.ops) : '-',
      idleCell(f, threshold, chalk),
      fmtS(p.makespan_s),
      p.jain === null ? '-' : p.jain.toFixed(3),
      changeCell(f?.raised),
      changeCell(f?.cut),
    ]);
  }
  out.push(pt.toString());
  out.push('lost: of the IOs, bytes and device time fifo completed within the window, the share the policy did not; not done: IOs not completed when the window ended');
  out.push('');
  return out;
}

/** "Cap ladder": one row per level, the protected zone's p99 beside what the level cost. */
export function ladderSection(a: Analysis, chalk: ChalkInstance): string[] {
  const L = a.cap_ladder;
  if (!L || !L.levels.length) return [];
  const unit = L.unit === 'iops' ? 'IOPS' : 'bytes/s';
  const z = L.protected_zone;
  const head =
    chalk.bold('Cap ladder') +
    ` (each zone capped at its weight's share of a level between the least and the most ${unit} its device delivered per busy second` +
    (z === null ? '; no zone needs protecting)' : `; protecting ${safeTerm(z)}: p99 ${fmtUs(L.protected_fifo_p99_us)} under fifo, ${fmtUs(L.protected_fair_p99_us)} under fair)`);
  const lt = table(['level', `${unit} per busy s`, z === null ? 'limit' : `${safeTerm(z)} limit`, 'IOs lost', 'bytes lost', 'time lost', 'idle while IO waited', z === null ? 'p99' : `${safeTerm(z)} p99`, 'as fair']);
  const threshold = a.verdict?.thresholds.cost;
  for (const l of L.levels) {
    const c = l.capacity_per_s[0];
    const lim = l.protected_limit_per_s[0];
    const rate = (x: number | null | undefined) => (x === null || x === undefined ? '-' : L.unit === 'iops' ? fmtNum(x) : fmtBytes(x));
    const w = l.worst_device;
    const idle = w === null ? fmtS(0) : `${fmtS(w.idle_while_waiting_s)} ${safeTerm(w.device)} (${fmtPct(w.idle_while_waiting_frac)})`;
    lt.push([
      String(l.level),
      c ? `${rate(c.per_s)} ${safeTerm(c.device)}` : '-',
      lim ? rate(lim.per_s) : '-',
      lostCell(l.work_lost?.ops),
      lostCell(l.work_lost?.bytes),
      lostCell(l.work_lost?.device_s),
      threshold !== undefined && l.costs_performance ? chalk.red(idle) : idle,
      fmtUs(l.protected_p99_us),
      l.protects === null ? '-' : l.protects ? 'yes' : 'no',
    ]);
  }
  return [head, lt.toString(), ''];
}

/** "Verdict": the sentences as src/report/verdict.ts composed them. */
export function verdictSection(a: Analysis, chalk: ChalkInstance): string[] {
  const v = a.verdict;
  if (!v) return [];
  const lines = [chalk.bold('Verdict'), v.capping.summary, v.throttling.summary];
  if (v.fair) lines.push(v.fair.summary);
  if (v.cap_ladder) lines.push(v.cap_ladder);
  if (v.loop) lines.push(v.loop);
  lines.push(v.recommendation);
  return [...lines.map((l, i) => (i === 0 ? l : safeTerm(l))), ''];
}
