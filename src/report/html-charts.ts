// The HTML report's charts, as inline SVG text: no script, no external file. Every chart is one
// function of data the Analysis carries; every text in it passes escapeHtml().

import type { DeviceResult, HistogramJson, Timeline } from '../core/analysis.js';
import { Histogram } from '../core/histogram.js';
import { timelineShares } from '../core/timeline.js';
import { escapeHtml } from './escape-html.js';
import { fmtNum, fmtRatio, fmtS } from './format.js';

export const W = 640;
const H = 200;
export const M = { l: 52, r: 28, t: 24, b: 34 };
export const PW = W - M.l - M.r;
const PH = H - M.t - M.b;

/** A colour per series: the observation in black, known policies in fixed colours. */
const POLICY_COLOURS: Record<string, string> = { observed: '#222222', cap: '#d62728', throttle: '#e07b00', fair: '#2a9d2a' };
const MORE_COLOURS = ['#1f77b4', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

export function seriesColour(name: string, index: number): string {
  return POLICY_COLOURS[name] ?? MORE_COLOURS[index % MORE_COLOURS.length];
}

export const r1 = (x: number) => Math.round(x * 10) / 10;

/** Round ticks (1, 2, 5 × 10^k) for [0, max], about `n` of them. */
export function linearTicks(max: number, n: number): number[] {
  if (!(max > 0)) return [0];
  const raw = max / n;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
  const out: number[] = [];
  for (let v = 0; v <= max * (1 + 1e-9); v += step) out.push(v);
  return out;
}

/** An SVG chart of height `h` with its plot area (M inside W × h) drawn, around `body`. */
export function frame(cls: string, title: string, attrs: string, body: string[], h = H): string {
  return (
    `<svg class="chart ${cls}" ${attrs} viewBox="0 0 ${W} ${h}" width="${W}" height="${h}" role="img" xmlns="http://www.w3.org/2000/svg">` +
    `<title>${escapeHtml(title)}</title>` +
    `<rect class="plot" x="${M.l}" y="${M.t}" width="${PW}" height="${h - M.t - M.b}" fill="#fafafa" stroke="#bbb"/>` +
    body.join('') +
    '</svg>'
  );
}

/** A tick below the plot area, whose bottom is at `bottom`. */
export function xTick(x: number, label: string, bottom = M.t + PH): string {
  return `<line x1="${r1(x)}" y1="${bottom}" x2="${r1(x)}" y2="${bottom + 4}" stroke="#888"/><text class="tick" x="${r1(x)}" y="${bottom + 16}" text-anchor="middle">${escapeHtml(label)}</text>`;
}

/** A power of ten of nanoseconds as a tick label: "100 µs", "1 ms", "10 s". */
function decadeLabel(ns: number): string {
  if (ns < 1e3) return `${ns} ns`;
  if (ns < 1e6) return `${ns / 1e3} µs`;
  if (ns < 1e9) return `${ns / 1e6} ms`;
  return `${ns / 1e9} s`;
}

export function yTick(y: number, label: string): string {
  return `<line x1="${M.l}" y1="${r1(y)}" x2="${M.l + PW}" y2="${r1(y)}" stroke="#e4e4e4"/><text class="tick" x="${M.l - 6}" y="${r1(y + 4)}" text-anchor="end">${escapeHtml(label)}</text>`;
}

/** A row of legend entries whose text baseline is at y. */
export function legend(items: { label: string; colour: string; dashed?: boolean }[], y: number): string {
  let x = M.l + 8;
  return items
    .map((it) => {
      const g =
        `<g class="legend-item"><line x1="${x}" y1="${y - 4}" x2="${x + 18}" y2="${y - 4}" stroke="${it.colour}" stroke-width="2"${it.dashed ? ' stroke-dasharray="5 3"' : ''}/>` +
        `<text x="${x + 22}" y="${y}">${escapeHtml(it.label)}</text></g>`;
      x += 30 + it.label.length * 7;
      return g;
    })
    .join('');
}

/** A step line over buckets: bucket i spans [i, i+1) on x; null values break the line. */
function stepPath(values: (number | null)[], x: (i: number) => number, y: (v: number) => number): string {
  let d = '';
  let open = false;
  values.forEach((v, i) => {
    if (v === null) {
      open = false;
      return;
    }
    d += `${open ? 'L' : 'M'}${r1(x(i))} ${r1(y(v))}H${r1(x(i + 1))}`;
    open = true;
  });
  return d;
}

/** Per zone: its device share (solid) against its fair share (dashed) per timeline bucket. */
export function shareCharts(t: Timeline): string[] {
  const n = t.busy_s.length;
  const span = n * t.bucket_s;
  const x = (i: number) => M.l + (i / n) * PW;
  const y = (v: number) => M.t + PH - Math.min(1, Math.max(0, v)) * PH;
  const ticks = linearTicks(span, 6)
    .filter((s) => s <= span)
    .map((s) => xTick(M.l + (s / span) * PW, s < 3600 ? `${+s.toFixed(3)} s` : fmtS(s)));
  const yTicks = [0, 0.25, 0.5, 0.75, 1].map((v) => yTick(y(v), `${v * 100} %`));
  return timelineShares(t).map((z) =>
    frame('share', `${z.zone}: device share against fair share over time`, `data-zone="${escapeHtml(z.zone)}"`, [
      ...yTicks,
      ...ticks,
      `<path class="share-line" d="${stepPath(z.share, x, y)}" fill="none" stroke="#1f77b4" stroke-width="2"/>`,
      `<path class="fair-line" d="${stepPath(z.fair, x, y)}" fill="none" stroke="#e07b00" stroke-width="1.5" stroke-dasharray="5 3"/>`,
      legend(
        [
          { label: 'device share', colour: '#1f77b4' },
          { label: 'fair share', colour: '#e07b00', dashed: true },
        ],
        M.t - 8,
      ),
      `<text class="axis" x="${M.l + PW / 2}" y="${H - 4}" text-anchor="middle">time since the first IO</text>`,
    ]),
  );
}

export interface LatencySeries {
  label: string;
  histogram: HistogramJson;
}

/**
 * One zone's latency distributions, one line per series: the share of IOs slower than x
 * (log-log), which shows the tail that percentiles summarise.
 */
export function latencyChart(zone: string, series: LatencySeries[]): string {
  const mins = series.map((s) => s.histogram.min_ns ?? 0);
  const maxs = series.map((s) => s.histogram.max_ns ?? 0);
  const lo = Math.floor(Math.log10(Math.max(1000, Math.min(...mins))));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(...maxs, 1000))));
  const most = Math.max(...series.map((s) => s.histogram.count));
  const floor = -Math.min(6, Math.max(1, Math.ceil(Math.log10(most))));
  const x = (ns: number) => M.l + ((Math.log10(ns) - lo) / (hi - lo)) * PW;
  const y = (frac: number) => M.t + (Math.log10(frac) / floor) * PH;
  const perDecade = 24;
  const bounds: number[] = [];
  for (let k = lo * perDecade; k <= hi * perDecade; k++) bounds.push(10 ** (k / perDecade));
  const body: string[] = [];
  for (let d = lo; d <= hi; d++) body.push(xTick(x(10 ** d), decadeLabel(10 ** d)));
  for (let e = 0; e >= floor; e--) body.push(yTick(y(10 ** e), e === 0 ? '100 %' : e >= -2 ? `${10 ** (e + 2)} %` : `${(10 ** (e + 2)).toPrecision(1)} %`));
  series.forEach((s, i) => {
    const h = s.histogram;
    const cum = Histogram.fromJson(h).cumulativeAt(bounds);
    let d = '';
    let prev = 1;
    const start = Math.max(10 ** lo, h.min_ns ?? 0);
    d += `M${r1(x(start))} ${r1(y(1))}`;
    for (let j = 0; j < bounds.length; j++) {
      if (bounds[j] < start) continue;
      const frac = 1 - cum[j] / h.count;
      if (frac <= 0 || Math.log10(frac) < floor) {
        d += `H${r1(x(bounds[j]))}`;
        break;
      }
      if (frac !== prev) d += `H${r1(x(bounds[j]))}V${r1(y(frac))}`;
      prev = frac;
    }
    body.push(`<path class="ccdf" data-series="${escapeHtml(s.label)}" d="${d}" fill="none" stroke="${seriesColour(s.label, i)}" stroke-width="1.8"/>`);
  });
  // the lines start at the top left and fall to the right: the bottom left stays clear
  body.push(legend(series.map((s, i) => ({ label: s.label, colour: seriesColour(s.label, i) })), M.t + PH - 8));
  body.push(`<text class="axis" x="${M.l + PW / 2}" y="${H - 4}" text-anchor="middle">latency (log scale); y: share of IOs slower (log scale)</text>`);
  return frame('latency', `${zone}: latency distribution by policy`, `data-zone="${escapeHtml(zone)}"`, body);
}

/** Per device: the range of IOPS it delivered per busy second (min to max, median marked), log scale. */
export function capacityChart(devices: DeviceResult[]): string {
  const rows = devices.filter((d) => d.capacity_iops.min !== null && d.capacity_iops.max !== null);
  if (!rows.length) return '';
  const rowH = 46;
  const h = M.t + rows.length * rowH + M.b;
  const lo = Math.floor(Math.log10(Math.max(1, Math.min(...rows.map((d) => d.capacity_iops.min!)))));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(...rows.map((d) => d.capacity_iops.max!)))));
  const x = (v: number) => M.l + 60 + ((Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo)) * (PW - 60);
  const body: string[] = [];
  for (let d = lo; d <= hi; d++) {
    const xx = r1(x(10 ** d));
    body.push(`<line x1="${xx}" y1="${M.t}" x2="${xx}" y2="${h - M.b}" stroke="#e4e4e4"/><text class="tick" x="${xx}" y="${h - M.b + 16}" text-anchor="middle">${fmtNum(10 ** d)}</text>`);
  }
  rows.forEach((d, i) => {
    const c = d.capacity_iops;
    const yy = M.t + i * rowH + 14;
    body.push(
      `<g class="device" data-device="${escapeHtml(d.device)}">` +
        `<text x="${M.l + 52}" y="${yy + 4}" text-anchor="end">${escapeHtml(d.device)}</text>` +
        `<rect class="range" x="${r1(x(c.min!))}" y="${yy - 7}" width="${r1(Math.max(2, x(c.max!) - x(c.min!)))}" height="14" fill="#9ecae1"/>` +
        (c.p50 !== null ? `<line class="median" x1="${r1(x(c.p50))}" y1="${yy - 10}" x2="${r1(x(c.p50))}" y2="${yy + 10}" stroke="#08519c" stroke-width="3"/>` : '') +
        `<text class="label" x="${r1(x(c.min!))}" y="${yy + 24}">${escapeHtml(`${fmtNum(c.min)} to ${fmtNum(c.max)} IOPS${d.capacity_ratio === null ? '' : ` (${fmtRatio(d.capacity_ratio)}×)`}, median ${fmtNum(c.p50)}`)}</text>` +
        '</g>',
    );
  });
  body.push(`<text class="axis" x="${M.l + PW / 2}" y="${h - 4}" text-anchor="middle">IOPS delivered per busy second (log scale)</text>`);
  return (
    `<svg class="chart capacity" viewBox="0 0 ${W} ${h}" width="${W}" height="${h}" role="img" xmlns="http://www.w3.org/2000/svg">` +
    '<title>IOPS delivered per busy second, by device</title>' +
    body.join('') +
    '</svg>'
  );
}
