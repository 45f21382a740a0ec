// One self-contained HTML file: the report's tables and the verdict, with the charts that make the
// argument (share against fair share over time, latency per zone under each policy, the spread of
// IOPS per busy second) drawn as inline SVG. No script, no stylesheet, font or image from
// elsewhere; the Content-Security-Policy forbids any, so opening the file sends nothing anywhere.
// Every text from the input passes escapeHtml().

import type { Analysis } from '../core/analysis.js';
import { escapeHtml as e } from './escape-html.js';
import { fmtNum, fmtPct, fmtRatio, fmtS, zoneFigures } from './format.js';
import { COST_MODEL_HEADS, costModelCells, deviceSentence, parallelismCell } from './device-text.js';
import { capacityChart, latencyChart, shareCharts, type LatencySeries } from './html-charts.js';
import type { Renderer } from './types.js';

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#222;margin:24px auto;max-width:1340px;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd}h3{font-size:15px;margin:14px 0 4px}
.facts{color:#555;margin:0 0 12px}
table{border-collapse:collapse;margin:6px 0 10px}th,td{padding:3px 10px;text-align:right;border-bottom:1px solid #eee;white-space:nowrap}
th{background:#f4f4f4;font-weight:600}td:first-child,th:first-child{text-align:left}
.verdict p{margin:4px 0;max-width:80em}.pos{color:#b00}.neg{color:#a60}
.charts{display:flex;flex-wrap:wrap;gap:10px 18px}
figure{margin:0}figcaption{font-weight:600;margin:2px 0}
svg text{font:11px system-ui,sans-serif;fill:#333}svg .axis{fill:#666}
.notes li{color:#666}footer{color:#888;margin-top:30px;font-size:12px}
`;

function table(head: string[], rows: string[][]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
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

/** The cap ladder's frontier: drawn once the analysis carries the ladder. */
function frontierSection(_a: Analysis): string {
  return '';
}

function whatIfSection(a: Analysis): string {
  if (!a.policies.length) return '';
  const rows = a.policies.map((p) => [e(p.policy), e(p.loop), fmtPct(p.throughput_loss), fmtS(p.idle_while_waiting_s), fmtS(p.makespan_s), fmtRatio(p.jain)]);
  return section('what-if', 'What if', table(['policy', 'loop', 'throughput lost', 'idle while waiting', 'makespan', 'Jain'], rows));
}

function verdictSection(a: Analysis): string {
  if (!a.verdict) return '';
  const v = a.verdict;
  return `<section id="verdict" class="verdict"><h2>Verdict</h2><p>${e(v.capping.summary)}</p><p>${e(v.throttling.summary)}</p><p><strong>${e(v.recommendation)}</strong></p></section>`;
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
    frontierSection(a),
    whatIfSection(a),
    notesSection(a),
    `<footer>iofair ${e(a.tool.version)}</footer>`,
    '</body></html>',
  ]
    .filter((s) => s !== '')
    .join('\n') + '\n';
}

export const htmlRenderer: Renderer = {
  name: 'html',
  description: 'one self-contained HTML file with SVG charts (no script, nothing fetched)',
  machineReadable: true,
  extension: 'html',
  usesTimeline: true,
  render: (a) => renderHtml(a),
};
