// The default human-readable report: cli-table3 tables, coloured by a chalk instance whose level
// the cli chose (0 = no colour). Every string from the input passes safeTerm().

import type { ChalkInstance } from 'chalk';
import type { Analysis } from '../core/analysis.js';
import { safeTerm } from './sanitize.js';
import { fmtBytes, fmtNum, fmtPct, fmtPp, fmtS, fmtUs } from './format.js';
import { plainTable as table } from './table-layout.js';
import { whatIfSection } from './table-whatif.js';
import { verdictSection } from './table-verdict.js';
import type { Renderer } from './types.js';

export interface TableOptions {
  chalk: ChalkInstance;
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
  out.push(...verdictSection(a, chalk));

  if (a.warnings.length) {
    out.push(chalk.yellow('Notes'));
    for (const w of a.warnings) out.push(chalk.yellow('- ') + safeTerm(w));
    out.push('');
  }
  return out.join('\n');
}

export const tableRenderer: Renderer = {
  name: 'table',
  description: 'tables for a terminal (the default); redrawn in place with --every',
  machineReadable: false,
  extension: 'txt',
  render: (a, o) => renderTable(a, o),
  live: { mode: 'redraw', render: (a, o) => renderTable(a, o) },
};
