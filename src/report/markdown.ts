// Markdown (GitHub-flavoured tables) for tickets, wikis and capacity reviews: the table report's
// sections, plus each zone's p99 under every replayed policy. Text from the input passes
// safeTerm() (no control characters) and then mdText() (no markup: a zone named "**x**|y" or
// "<script>" shows as written).

import type { Analysis } from '../core/analysis.js';
import { THRESHOLDS } from '../core/thresholds.js';
import { safeTerm } from './sanitize.js';
import { fmtNum, fmtPct, fmtRatio, fmtS, fmtUs, zoneFigures } from './format.js';
import { COST_MODEL_HEADS, costModelCells, deviceSentence, parallelismCell } from './device-text.js';
import { ladderRate, ladderUnit, levelFigures, policyFigures } from './figures.js';
import { verdictSentences } from './verdict.js';
import type { Renderer } from './types.js';

/**
 * Backslash-escapes what Markdown would read as markup (any ASCII punctuation may be escaped),
 * including what GitHub would turn into a link or a mention: "http://", "www.", "@name", "#12".
 */
export function mdText(s: string): string {
  return safeTerm(s)
    .replace(/[\\`*_[\]<>|~&#!@]/g, (c) => `\\${c}`)
    .replace(/:(?=\/\/)/g, '\\:')
    .replace(/www\./gi, (w) => `${w.slice(0, 3)}\\.`);
}

function table(head: string[], rows: string[][], align: ('l' | 'r')[] = head.map((_, i) => (i === 0 ? 'l' : 'r'))): string[] {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(align.map((x) => (x === 'l' ? ':---' : '---:'))), ...rows.map(line)];
}

export function renderMarkdown(a: Analysis): string {
  const out: string[] = [];
  const inp = a.input;
  out.push('# iofair report', '');
  const facts = [
    `${fmtNum(a.zones.length)} zone(s), ${fmtNum(a.devices.length)} device(s), ${fmtNum(inp.records)} record(s)` +
      (inp.duration_s !== null ? ` over ${fmtS(inp.duration_s)}` : ''),
    `input: ${inp.sources.map(mdText).join(', ')} (${mdText(inp.format)}, fidelity ${inp.fidelity})`,
    `iofair ${mdText(a.tool.version)}`,
  ];
  if (inp.skipped) facts.push(`${fmtNum(inp.skipped)} line(s) skipped`);
  if (inp.events_lost) facts.push(`${fmtNum(inp.events_lost)} event(s) lost`);
  if (inp.partial) facts.push('**partial**: the input was cut short');
  out.push(...facts.map((f) => `- ${f}`), '');

  if (a.zones.length) {
    out.push('## Zones', '');
    out.push(
      ...table(
        ['zone', 'weight', 'ops', 'bytes', 'IOPS', 'bytes/s', 'device time', 'share', 'fair share', 'deviation'],
        a.zones.map((z) => {
          const f = zoneFigures(z);
          return [mdText(z.zone), f.weight, f.ops, f.bytes, f.iops, f.bytesPerS, f.deviceTime, f.share, f.fair, f.deviation];
        }),
      ),
      '',
    );
    const f = a.fairness;
    if (f.jain !== null) out.push(`Jain's index over device time: ${fmtRatio(f.jain)} (1 = every zone got its fair share); min/max ${fmtRatio(f.min_max_ratio)}.`, '');
    out.push('### Latency (issue to completion)', '');
    out.push(
      ...table(
        ['zone', 'mean', 'p50', 'p90', 'p99', 'p99.9', 'max'],
        a.zones.map((z) => {
          const f = zoneFigures(z);
          return [mdText(z.zone), f.mean, f.p50, f.p90, f.p99, f.p999, f.max];
        }),
      ),
      '',
    );
  } else out.push('No zones: the input names devices only.', '');

  if (a.devices.length) {
    out.push('## Devices', '');
    out.push(
      ...table(
        ['device', 'ops', 'parallelism', 'busy', 'utilisation', 'IOPS per busy s: min', 'median', 'max'],
        a.devices.map((d) => [
          mdText(d.device),
          fmtNum(d.ops),
          mdText(parallelismCell(d)),
          fmtS(d.busy_s),
          fmtPct(d.utilization),
          fmtNum(d.capacity_iops.min),
          fmtNum(d.capacity_iops.p50),
          fmtNum(d.capacity_iops.max),
        ]),
      ),
      '',
    );
    const sentences = a.devices.map((d) => deviceSentence(d, d.device)).filter((x): x is string => x !== null);
    if (sentences.length) out.push(...sentences.map((x) => `- ${mdText(x)}`), '');
    out.push(...costModelMarkdown(a));
  }

  out.push(...whatIfMarkdown(a));
  out.push(...ladderMarkdown(a));
  out.push(...verdictMarkdown(a));

  if (a.warnings.length) {
    out.push('## Notes', '');
    for (const w of a.warnings) out.push(`- ${mdText(w)}`);
    out.push('');
  }
  return out.join('\n');
}

/** Each device's fitted cost model, and the io.cost.model lines as a block to copy. */
function costModelMarkdown(a: Analysis): string[] {
  const models = a.devices.filter((d) => d.cost_model);
  if (!models.length) return [];
  const out = [
    '### Cost model',
    '',
    "Per device, fitted to its IOs' device time: the cost to one unit of the device of an IO and of each 4 KiB page.",
    '',
  ];
  out.push(
    ...table(
      ['device', ...COST_MODEL_HEADS],
      models.map((d) => [mdText(d.device), ...costModelCells(d.cost_model!)]),
    ),
    '',
  );
  out.push('Lines for /sys/fs/cgroup/io.cost.model:', '', ...models.map((d) => `- ${mdText(d.cost_model!.io_cost_model_line)}`), '');
  return out;
}

/**
 * The policies: the work each completed within the window, lost against fifo and left undone at
 * its end; then each device's idle time while IO waited and whose p99 doubled or halved; then
 * each zone's p99 under every policy.
 */
export function whatIfMarkdown(a: Analysis): string[] {
  if (!a.policies.length) return [];
  const out = ['## What if', ''];
  const findings = new Map((a.verdict?.policies ?? []).map((f) => [f.policy, f]));
  const figures = a.policies.map((p) => policyFigures(p, findings.get(p.policy), mdText));
  const devices = [...new Set(a.policies.flatMap((p) => (p.devices ?? []).map((d) => d.device)))];
  out.push(
    ...table(
      ['policy', 'loop', 'IOs done', 'bytes done', 'device time done', 'IOs lost', 'bytes lost', 'time lost', 'IOs not done', 'bytes not done', 'device time not done'],
      figures.map((g) => [g.policy, g.loop, g.inWindowOps, g.inWindowBytes, g.inWindowDevice, g.opsLost, g.bytesLost, g.timeLost, g.backlogOps, g.backlogBytes, g.backlogDevice]),
    ),
    '',
    "done: within the window (first arrival to last observed completion); lost: the share of fifo's work in the window the policy did not complete there; not done: still queued, in service or not yet issued when the window ended.",
    '',
  );
  const cost = a.verdict ? ` (a policy costs performance above ${fmtPct(a.verdict.thresholds.cost)} of the window on some device)` : '';
  out.push(
    ...table(
      ['policy', ...devices.map((d) => `idle while IO waited, ${mdText(d)}`), 'costs performance', 'makespan', 'Jain', 'p99 doubled', 'p99 halved'],
      figures.map((g) => [g.policy, ...g.idleOn(devices), g.costs, g.makespan, g.jain, g.raised, g.cut]),
    ),
    '',
    `idle while IO waited: how long the device sat idle while IO it could have served waited, and its share of the window${cost}.`,
    '',
  );
  const withZones = a.policies.filter((p) => p.zones.length);
  if (withZones.length && a.zones.length) {
    out.push('### p99 latency by policy', '');
    out.push(
      ...table(
        ['zone', 'observed', ...withZones.map((p) => mdText(p.policy))],
        a.zones.map((z) => [mdText(z.zone), fmtUs(z.latency_us.p99), ...withZones.map((p) => fmtUs(p.zones.find((x) => x.zone === z.zone)?.latency_us.p99))]),
      ),
      '',
    );
  }
  return out;
}

/** The cap ladder: its levels (what each cost, and the protected zone's p99), then each zone's p99 per level. */
export function ladderMarkdown(a: Analysis): string[] {
  const L = a.cap_ladder;
  if (!L || !L.levels.length) return [];
  const z = L.protected_zone;
  const unit = ladderUnit(L);
  const out = ['## Cap ladder', ''];
  out.push(
    `Each zone capped at its weight's share of a level between the least and the most ${unit} its device delivered per busy second (burst ${fmtS(L.burst_s)}); ` +
      (z === null
        ? `no zone needs protecting (fifo raises no zone's p99 to ${fmtRatio(a.verdict?.thresholds.p99_factor ?? THRESHOLDS.p99_factor)}× its p99 under fair queuing).`
        : `protecting ${mdText(z)}, the zone fifo hurts most: p99 ${fmtUs(L.protected_fifo_p99_us)} under fifo, ${fmtUs(L.protected_fair_p99_us)} under fair.`),
    '',
  );
  const devices = L.levels[0].capacity_per_s.map((c) => c.device);
  const head = ['level', ...devices.map((d) => `${mdText(d)}: ${unit} per busy s`), 'IOs lost', 'bytes lost', 'time lost', 'idle while IO waited', 'costs performance'];
  if (z !== null) head.push(`${mdText(z)} limit`, `${mdText(z)} p99`, 'against fair', `${mdText(z)} not done`, 'protects');
  out.push(
    ...table(
      head,
      L.levels.map((l) => {
        const g = levelFigures(L, l, mdText);
        const row = [g.level, ...devices.map((d) => ladderRate(L, l.capacity_per_s.find((c) => c.device === d)?.per_s)), g.opsLost, g.bytesLost, g.timeLost, g.idle, g.costs];
        if (z !== null) row.push(g.limit, g.p99, g.vsFair, g.backlog, g.protects);
        return row;
      }),
    ),
    '',
  );
  const zones = a.zones.map((x) => x.zone).filter((name) => L.levels.some((l) => l.zones?.some((y) => y.zone === name)));
  if (zones.length) {
    out.push('### p99 latency by ladder level', '');
    out.push(
      ...table(
        ['zone', 'observed', ...L.levels.map((l) => `level ${l.level}`)],
        zones.map((name) => [mdText(name), fmtUs(a.zones.find((x) => x.zone === name)?.latency_us.p99), ...L.levels.map((l) => fmtUs(l.zones?.find((y) => y.zone === name)?.latency_us.p99))]),
      ),
      '',
    );
  }
  return out;
}

/** Every sentence of the verdict, the recommendation last and on its own. */
export function verdictMarkdown(a: Analysis): string[] {
  if (!a.verdict) return [];
  const sentences = verdictSentences(a.verdict);
  const last = sentences.pop()!;
  return ['## Verdict', '', ...sentences.map((s) => `- ${mdText(s)}`), '', mdText(last), ''];
}

export const markdownRenderer: Renderer = {
  name: 'markdown',
  description: 'Markdown tables (what-if, cap ladder) and the verdict, for tickets and wikis',
  machineReadable: true,
  extension: 'md',
  usesTimeline: false,
  render: (a) => renderMarkdown(a),
};
