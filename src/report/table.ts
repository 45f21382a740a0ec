// The default human-readable report: cli-table3 tables, coloured by a chalk instance whose level
// the cli chose (0 = no colour). Every string from the input passes safeTerm().

import Table from 'cli-table3';
import type { ChalkInstance } from 'chalk';
import type { Analysis, PolicyResult } from '../core/analysis.js';
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
    // zones that are not tenants (kernel threads, unknown issuer) are shown, not ranked
    const name = safeTerm(z.zone) + (z.kind && z.kind !== 'tenant' ? chalk.dim(' (not a tenant)') : '');
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
        `Fairness over ${f.share_basis ? `${f.share_basis} (the input has no device time)` : 'device time'}: Jain's index ${f.jain.toFixed(3)} (1 = every zone got its fair share), ` +
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

  if (a.policies.length) {
    const fid = (a as { replay_fidelity?: { rms_pct: number | null } }).replay_fidelity?.rms_pct;
    out.push(
      b('What if') +
        ` (model: one unit-rate server per device, ${a.policies[0].loop}-loop replay; baseline fifo` +
        (fid === null || fid === undefined ? ')' : `, which reproduces the observed latencies within ${fid.toFixed(1)} % RMS)`),
    );
    const pt = table(['policy', 'throughput', 'idle while waiting', 'makespan', 'Jain', 'worst hit (p99)', 'best helped (p99)']);
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
  }

  if (a.verdict) {
    out.push(b('Verdict'));
    out.push(safeTerm(a.verdict.capping.summary));
    out.push(safeTerm(a.verdict.throttling.summary));
    out.push(safeTerm(a.verdict.recommendation));
    out.push('');
  }

  if (a.warnings.length) {
    out.push(chalk.yellow('Notes'));
    for (const w of a.warnings) out.push(chalk.yellow('- ') + safeTerm(w));
    out.push('');
  }
  return out.join('\n');
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
    const observed = a.zones.find((z) => z.zone === pz.zone);
    if (observed?.kind && observed.kind !== 'tenant') continue;
    const obs = observed?.latency_us.p99;
    const now = pz.latency_us.p99;
    if (obs === null || obs === undefined || now === null || obs <= 0) continue;
    const r = now / obs;
    if (r > 1.001 && (!worst || r > worst[2] / worst[1])) worst = [pz.zone, obs, now];
    if (r < 0.999 && (!best || r < best[2] / best[1])) best = [pz.zone, obs, now];
  }
  const cell = (x: [string, number, number] | null) => (x ? `${safeTerm(x[0])} ${fmtUs(x[1])} → ${fmtUs(x[2])}` : '-');
  return [cell(worst), cell(best)];
}
