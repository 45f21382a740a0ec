// One self-contained HTML file: the report's tables and the verdict, with the charts that make the
// argument (share against fair share over time, latency per zone under each policy, the spread of
// IOPS per busy second) drawn as inline SVG. No script, no stylesheet, font or image from
// elsewhere; the Content-Security-Policy forbids any, so opening the file sends nothing anywhere.
// Every text from the input passes escapeHtml().

import type { Analysis } from '../core/analysis.js';
import { escapeHtml as e } from './escape-html.js';
import { THRESHOLDS } from '../core/thresholds.js';
import { fmtNum, fmtPct, fmtRatio, fmtS, fmtUs, zoneFigures } from './format.js';
import { ladderRate, ladderUnit, levelFigures, policyFigures } from './figures.js';
import { COST_MODEL_HEADS, costModelCells, deviceSentence, parallelismCell } from './device-text.js';
import { capacityChart, latencyChart, shareCharts, type LatencySeries } from './html-charts.js';
import { frontierChart } from './html-frontier.js';
import { verdictSentences } from './verdict.js';
import type { Renderer } from './types.js';

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#222;margin:24px auto;max-width:1340px;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd}h3{font-size:15px;margin:14px 0 4px}
.facts{color:#555;margin:0 0 12px}
table{border-collapse:collapse;margin:6px 0 10px}th,td{padding:3px 8px;text-align:right;border-bottom:1px solid #eee;white-space:nowrap}
th{background:#f4f4f4;font-weight:600}td:first-child,th:first-child{text-align:left}
.verdict p{margin:4px 0;max-width:80em}.pos{color:#b00}.neg{color:#a60}
.wide{overflow-x:auto}th.group{text-align:center;background:#eaeaea}.conclusion{max-width:80em}
.charts{display:flex;flex-wrap:wrap;gap:10px 18px}
figure{margin:0}figcaption{font-weight:600;margin:2px 0}
svg text{font:11px system-ui,sans-serif;fill:#333}svg .axis{fill:#666}
.notes li{color:#666}footer{color:#888;margin-top:30px;font-size:12px}
`;

/** A table; `groups` (label and column count) head the columns in a row above their own heads. */
function table(head: string[], rows: string[][], groups?: [string, number][]): string {
  const over = groups ? `<tr>${groups.map(([g, n]) => `<th class="group"${n > 1 ? ` colspan="${n}"` : ''}>${g}</th>`).join('')}</tr>` : '';
  return `<div class="wide"><table><thead>${over}<tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table></div>`;
}

function section(id: string, title: string, body: string): string {
  return `<section id="${id}"><h2>${title}</h2>${body}</section>`;
}

function zonesSection(a: Analysis): string {
  if (!a.zones.length) return section('zones', 'Zones', '<p>No zones: the input names devices only.</p>');
  const rows = a.zones.map((z) => {
    const f = zoneFigures(z);
    const dev = z.deviation === null ? '-' : `<span class="${z.deviation > 0.1 ? 'pos' : z.deviation < -0.1 ? 'neg' : ''}">${f.deviation}</span>`;
    return [e(z.zone), f.weight, f.ops, f.bytes, f.iops, f.deviceTime, f.share, f.fair, dev, f.p50, f.p99];
  });
  const f = a.fairness;
  const jain = f.jain === null ? '' : `<p>Jain's index over device time: ${fmtRatio(f.jain)} (1 = every zone got its fair share).</p>`;
  return section('zones', 'Zones', table(['zone', 'weight', 'ops', 'bytes', 'IOPS', 'device time', 'share', 'fair share', 'deviation', 'p50', 'p99'], rows) + jain);
}

function shareSection(a: Analysis): string {
  if (!a.timeline) return section('share-over-time', 'Device share against fair share over time', `<p>Not available for ${e(a.input.fidelity)} input.</p>`);
  const t = a.timeline;
  const figs = shareCharts(t).map((svg, i) => `<figure><figcaption>${e(t.zones[i].zone)}</figcaption>${svg}</figure>`);
  return section(
    'share-over-time',
    'Device share against fair share over time',
    `<p>Each zone's share of the devices' busy time (solid) and the share due to it under weighted fair sharing (dashed), per ${e(fmtS(t.bucket_s))}.</p><div class="charts">${figs.join('')}</div>`,
  );
}

function latencySection(a: Analysis): string {
  const figs: string[] = [];
  for (const z of a.zones) {
    const series: LatencySeries[] = [];
    if (z.latency_histogram) series.push({ label: 'observed', histogram: z.latency_histogram });
    // fifo reproduces the observation by construction: its line would hide under the observed one
    for (const p of a.policies) {
      if (p.policy === 'fifo') continue;
      const h = p.zones.find((x) => x.zone === z.zone)?.latency_histogram;
      if (h) series.push({ label: p.policy, histogram: h });
    }
    if (series.length) figs.push(`<figure><figcaption>${e(z.zone)}</figcaption>${latencyChart(z.zone, series)}</figure>`);
  }
  if (!figs.length) return section('latency', 'Latency distribution', `<p>No per-IO latencies in ${e(a.input.fidelity)} input.</p>`);
  return section(
    'latency',
    'Latency distribution',
    '<p>Share of each zone\'s IOs slower than a given latency, as observed and under each replayed policy (the fifo baseline reproduces the observation).</p>' +
      `<div class="charts">${figs.join('')}</div>`,
  );
}

function capacitySection(a: Analysis): string {
  const svg = capacityChart(a.devices);
  if (!svg) return '';
  const rows = a.devices.map((d) => [
    e(d.device),
    fmtNum(d.ops),
    e(parallelismCell(d)),
    fmtS(d.busy_s),
    fmtPct(d.utilization),
    fmtNum(d.capacity_iops.min),
    fmtNum(d.capacity_iops.p50),
    fmtNum(d.capacity_iops.max),
  ]);
  const sentences = a.devices.map((d) => deviceSentence(d, d.device)).filter((x): x is string => x !== null);
  return section(
    'capacity',
    'IOPS delivered per busy second',
    '<p>What each device delivered per second of busy time varies with the workload: a static IOPS cap set from one figure is too loose for some seconds and too tight for others.</p>' +
      svg +
      table(['device', 'ops', 'parallelism', 'busy', 'utilisation', 'min', 'median', 'max'], rows) +
      sentences.map((x) => `<p>${e(x)}</p>`).join(''),
  );
}

/** Each device's fitted cost model and its io.cost.model line. */
function costModelSection(a: Analysis): string {
  const models = a.devices.filter((d) => d.cost_model);
  if (!models.length) return '';
  const rows = models.map((d) => [e(d.device), ...costModelCells(d.cost_model!)]);
  return section(
    'cost-model',
    'Cost model',
    "<p>Per device, fitted to its IOs' device time: the cost to one unit of the device of an IO and of each 4 KiB page.</p>" +
      table(['device', ...COST_MODEL_HEADS], rows) +
      `<p>For <code>/sys/fs/cgroup/io.cost.model</code>:</p><pre>${models.map((d) => e(d.cost_model!.io_cost_model_line)).join('\n')}</pre>`,
  );
}

/** The cap ladder: its frontier chart, its levels, and each zone's p99 at every level. */
function frontierSection(a: Analysis): string {
  const L = a.cap_ladder;
  if (!L || !L.levels.length) return '';
  const T = a.verdict?.thresholds ?? THRESHOLDS;
  const z = L.protected_zone;
  const unit = ladderUnit(L);
  const intro =
    (L.levels.length === 1
      ? `<p>Static caps at one level, the most ${e(unit)} each device delivered per busy second (it delivered the same in every busy second)`
      : `<p>Static caps at ${fmtNum(L.levels.length)} levels between the least and the most ${e(unit)} each device delivered per busy second`) +
    `, each zone capped at its weight's share of the level (burst ${e(fmtS(L.burst_s))}). ` +
    (z === null
      ? `Fifo raises no zone's p99 to ${e(fmtRatio(T.p99_factor))}× its p99 under fair queuing, so no zone needs protecting: the chart shows what each level cost, the share of the window the worst device sat idle while IO waited.</p>`
      : `The zone to protect is the one fifo hurts most against fair queuing: ${e(z)}, p99 ${e(fmtUs(L.protected_fifo_p99_us))} under fifo, ${e(fmtUs(L.protected_fair_p99_us))} under fair. Each level is placed by what it cost (the share of the window the worst device sat idle while IO waited) and by ${e(z)}'s p99 under it against its p99 under fair; the shaded corner is where a cap would protect ${e(z)} as well as fair queuing without costing performance.</p>`);
  const chart = frontierChart(L, T);
  const devices = L.levels[0].capacity_per_s.map((c) => c.device);
  const head = ['level', ...devices.map((d) => `${e(d)}: ${e(unit)} per busy s`), 'IOs lost', 'bytes lost', 'time lost', 'idle while IO waited', 'costs performance'];
  if (z !== null) head.push(`${e(z)} limit`, `${e(z)} p99`, 'against fair', `${e(z)} not done`, 'protects');
  const rows = L.levels.map((l) => {
    const g = levelFigures(L, l, e);
    const row = [g.level, ...devices.map((d) => ladderRate(L, l.capacity_per_s.find((c) => c.device === d)?.per_s)), g.opsLost, g.bytesLost, g.timeLost, g.idle, g.costs];
    if (z !== null) row.push(g.limit, g.p99, g.vsFair, g.backlog, g.protects);
    return row;
  });
  const zones = a.zones.map((x) => x.zone).filter((name) => L.levels.some((l) => l.zones?.some((y) => y.zone === name)));
  const p99s = zones.length
    ? '<h3>p99 latency by ladder level</h3>' +
      table(
        ['zone', 'observed', ...L.levels.map((l) => `level ${l.level}`)],
        zones.map((name) => [e(name), fmtUs(a.zones.find((x) => x.zone === name)?.latency_us.p99), ...L.levels.map((l) => fmtUs(l.zones?.find((y) => y.zone === name)?.latency_us.p99))]),
      )
    : '';
  const verdict = a.verdict?.cap_ladder ? `<p class="conclusion">${e(a.verdict.cap_ladder)}</p>` : '';
  return section('cap-ladder', 'Cap ladder: what a static cap costs, and whom it protects', intro + chart + verdict + table(head, rows) + p99s);
}

function whatIfSection(a: Analysis): string {
  if (!a.policies.length) return '';
  const findings = new Map((a.verdict?.policies ?? []).map((f) => [f.policy, f]));
  const devices = [...new Set(a.policies.flatMap((p) => (p.devices ?? []).map((d) => d.device)))];
  const figures = a.policies.map((p) => policyFigures(p, findings.get(p.policy), e));
  const work = table(
    ['policy', 'loop', 'IOs', 'bytes', 'device time', 'IOs', 'bytes', 'device time', 'IOs', 'bytes', 'device time'],
    figures.map((g) => [g.policy, g.loop, g.inWindowOps, g.inWindowBytes, g.inWindowDevice, g.opsLost, g.bytesLost, g.timeLost, g.backlogOps, g.backlogBytes, g.backlogDevice]),
    [
      ['', 2],
      ['done within the window', 3],
      ["lost: of fifo's work in the window", 3],
      ["not done at the window's end", 3],
    ],
  );
  const effect = table(
    ['policy', ...devices.map(e), 'costs performance', 'makespan', 'Jain', 'p99 doubled', 'p99 halved'],
    figures.map((g) => [g.policy, ...g.idleOn(devices), g.costs, g.makespan, g.jain, g.raised, g.cut]),
    [
      ['', 1],
      ['idle while IO waited', devices.length],
      ['', 5],
    ].filter(([, n]) => (n as number) > 0) as [string, number][],
  );
  const withZones = a.policies.filter((p) => p.zones.length);
  const p99s =
    withZones.length && a.zones.length
      ? '<h3>p99 latency by policy</h3>' +
        table(
          ['zone', 'observed', ...withZones.map((p) => e(p.policy))],
          a.zones.map((z) => [e(z.zone), fmtUs(z.latency_us.p99), ...withZones.map((p) => fmtUs(p.zones.find((x) => x.zone === z.zone)?.latency_us.p99))]),
        )
      : '';
  const cost = a.verdict ? `; a policy costs performance when a device sat idle while IO waited for more than ${e(fmtPct(a.verdict.thresholds.cost))} of the window` : '';
  return section(
    'what-if',
    'What if',
    `<p>Each policy replayed on the trace against the fifo baseline, which reproduces the observation: the work it completed within the window (first arrival to last observed completion), the share of fifo's it left undone there, what was still not done when the window ended, and how long each device sat idle while IO it could have served waited${cost}.</p>` +
      work +
      effect +
      p99s,
  );
}

function verdictSection(a: Analysis): string {
  if (!a.verdict) return '';
  const sentences = verdictSentences(a.verdict);
  const last = sentences.pop()!;
  return `<section id="verdict" class="verdict"><h2>Verdict</h2>${sentences.map((s) => `<p>${e(s)}</p>`).join('')}<p><strong>${e(last)}</strong></p></section>`;
}

function notesSection(a: Analysis): string {
  if (!a.warnings.length) return '';
  return section('notes', 'Notes', `<ul class="notes">${a.warnings.map((w) => `<li>${e(w)}</li>`).join('')}</ul>`);
}

export function renderHtml(a: Analysis): string {
  const inp = a.input;
  const facts =
    `${fmtNum(a.zones.length)} zone(s), ${fmtNum(a.devices.length)} device(s), ${fmtNum(inp.records)} record(s)` +
    (inp.duration_s !== null ? ` over ${fmtS(inp.duration_s)}` : '') +
    ` · ${inp.format}, fidelity ${inp.fidelity} · ${inp.sources.join(', ')}` +
    (inp.skipped ? ` · ${fmtNum(inp.skipped)} line(s) skipped` : '') +
    (inp.events_lost ? ` · ${fmtNum(inp.events_lost)} event(s) lost` : '') +
    (inp.partial ? ' · partial: the input was cut short' : '');
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>iofair report: ${e(inp.sources.join(', '))}</title>`,
    `<style>${STYLE}</style></head><body>`,
    `<header><h1>iofair report</h1><p class="facts">${e(facts)}</p></header>`,
    verdictSection(a),
    zonesSection(a),
    shareSection(a),
    latencySection(a),
    capacitySection(a),
    costModelSection(a),
    whatIfSection(a),
    frontierSection(a),
    notesSection(a),
    `<footer>iofair ${e(a.tool.version)}</footer>`,
    '</body></html>',
  ]
    .filter((s) => s !== '')
    .join('\n') + '\n';
}

export const htmlRenderer: Renderer = {
  name: 'html',
  description: 'one self-contained HTML file with SVG charts, the cap ladder\'s frontier among them (no script, nothing fetched)',
  machineReadable: true,
  extension: 'html',
  usesTimeline: true,
  render: (a) => renderHtml(a),
};
