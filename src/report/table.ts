// The default human-readable report: tables fitted to the terminal's width (table-layout.ts),
// coloured by a chalk instance whose level the cli chose (0 = no colour). Below COMPACT_BELOW
// columns the compact layout shows fewer columns; no line is ever wider than the width. Every
// string from the input passes cellText() (safeTerm, and a tab shown as \t).

import type { Analysis } from '../core/analysis.js';
import { fmtNum, fmtRatio, fmtS, zoneFigures } from './format.js';
import { cellText, COMPACT_BELOW, fitTable, wrapText, type Column } from './table-layout.js';
import { whatIfSection } from './table-whatif.js';
import { ladderSection } from './table-ladder.js';
import { devicesSection } from './table-devices.js';
import { verdictSection } from './table-verdict.js';
import type { Renderer, RenderOptions } from './types.js';

export function renderTable(a: Analysis, { chalk, width }: RenderOptions): string {
  const out: string[] = [];
  const b = chalk.bold;
  const compact = width < COMPACT_BELOW;
  const inp = a.input;
  const src = inp.sources.map(cellText).join(', ');
  const head =
    `${b('iofair')} — ${fmtNum(a.zones.length)} zone(s), ${fmtNum(a.devices.length)} device(s), ${fmtNum(inp.records)} record(s)` +
    (inp.duration_s !== null ? ` over ${fmtS(inp.duration_s)}` : '') +
    ` · ${inp.format}, fidelity ${inp.fidelity} · ${src}` +
    (inp.skipped ? ` · ${chalk.yellow(`${fmtNum(inp.skipped)} line(s) skipped`)}` : '') +
    (inp.events_lost ? ` · ${chalk.yellow(`${fmtNum(inp.events_lost)} event(s) lost`)}` : '') +
    (inp.partial ? ` · ${chalk.yellow('PARTIAL')}` : '');
  out.push(...wrapText(head, width, 2), '');

  if (!a.zones.length) out.push(...wrapText('No zones: the input names devices only.', width), '');
  else {
    out.push(b('Zones'));
    // drop ranks: what goes first when the width is short
    const cols: Column[] = [
      { head: 'zone', align: 'left', wrap: true },
      { head: 'weight', drop: 4 },
      { head: 'ops' },
      { head: 'reads', drop: 2 },
      { head: 'writes', drop: 2 },
      { head: 'bytes', drop: 5 },
      { head: 'IOPS', drop: 3 },
      { head: 'bytes/s', drop: 1 },
      { head: 'dev time', drop: 6 },
      { head: 'share' },
      { head: 'fair' },
      { head: 'deviation' },
    ];
    // the compact layout leaves out the columns that go first anyway
    const shown = cols.map((c, i) => i).filter((i) => !(compact && cols[i].drop !== undefined && cols[i].drop! <= 4));
    const rows = a.zones.map((z) => {
      const f = zoneFigures(z);
      const dev = z.deviation;
      const devCell = dev === null ? f.deviation : dev > 0.1 ? chalk.red(f.deviation) : dev < -0.1 ? chalk.yellow(f.deviation) : f.deviation;
      // zones that are not tenants (kernel threads, unknown issuer) are shown, not ranked
      const name = cellText(z.zone) + (z.kind && z.kind !== 'tenant' ? chalk.dim(' (not a tenant)') : '');
      return [name, f.weight, f.ops, f.reads, f.writes, f.bytes, f.iops, f.bytesPerS, f.deviceTime, f.share, f.fair, devCell];
    });
    out.push(fitTable(shown.map((i) => cols[i]), rows.map((r) => shown.map((i) => r[i])), width));
    const f = a.fairness;
    if (f.jain !== null)
      out.push(
        ...wrapText(
          `Fairness over ${f.share_basis ? `${f.share_basis} (the input has no device time)` : 'device time'}: Jain's index ${fmtRatio(f.jain)} (1 = every zone got its fair share), min/max ${fmtRatio(f.min_max_ratio)}`,
          width,
        ),
      );
    out.push('');
    out.push(b('Latency') + ' (issue to completion)');
    const lcols: Column[] = [
      { head: 'zone', align: 'left', wrap: true },
      { head: 'mean', drop: 3 },
      { head: 'p50' },
      { head: 'p90', drop: 1 },
      { head: 'p99' },
      { head: 'p99.9', drop: 2 },
      { head: 'max', drop: 4 },
    ];
    const lrows = a.zones.map((z) => {
      const f = zoneFigures(z);
      return [cellText(z.zone), f.mean, f.p50, f.p90, f.p99, f.p999, f.max];
    });
    out.push(fitTable(lcols, lrows, width), '');
  }

  out.push(...devicesSection(a, chalk, width));

  out.push(...whatIfSection(a, chalk, width));
  out.push(...ladderSection(a, chalk, width));
  out.push(...verdictSection(a, chalk, width));

  if (a.warnings.length) {
    out.push(chalk.yellow('Notes'));
    for (const w of a.warnings) {
      const [first, ...rest] = wrapText(cellText(w), width - 2, 0);
      out.push(chalk.yellow('- ') + first, ...rest.map((l) => '  ' + l));
    }
    out.push('');
  }
  return out.join('\n');
}

export const tableRenderer: Renderer = {
  name: 'table',
  description: 'tables for a terminal (the default), fitted to its width; redrawn in place with --every',
  machineReadable: false,
  extension: 'txt',
  usesTimeline: false,
  render: (a, o) => renderTable(a, o),
  live: { mode: 'redraw', render: (a, o) => renderTable(a, o) },
};
