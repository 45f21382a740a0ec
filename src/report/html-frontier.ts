// The cap ladder's frontier as inline SVG: each level of static caps placed by what it cost (the
// worst device's idle time while IO waited, as a share of the window) against how well it
// protected the zone fifo hurts most (that zone's p99 under the level ÷ its p99 under fair
// queuing, log scale), with fifo and fair queuing as reference points and the two thresholds the
// verdict judges by. The corner below and left of both thresholds is where a static cap would
// protect the zone as well as fair queuing without idling the disk. With no zone to protect, the
// chart shows only what each level cost. Every figure is the Analysis's (src/core/frontier.ts).

import type { CapLadder, CapLadderLevel } from '../core/analysis.js';
import type { Thresholds } from '../core/thresholds.js';
import { escapeHtml } from './escape-html.js';
import { fmtPct, fmtRatio } from './format.js';
import { ladderRateWithUnit, ladderUnit, levelFigures, lostText } from './figures.js';
import { frame, legend, linearTicks, M, PW, r1, xTick, yTick } from './html-charts.js';

const H = 330;
const BOTTOM = H - M.b;
const PH = BOTTOM - M.t;

const COLOUR = { costs: '#d62728', protects: '#2a9d2a', neither: '#1f77b4', reference: '#222222', good: '#e3f4df' };

const plain = (s: string) => s;

/** Round ticks from 0 to at least `max` (the last one at or beyond it), about `n` of them. */
function ticksCovering(max: number, n: number): number[] {
  const t = linearTicks(max, n);
  if (t.length > 1 && t[t.length - 1] < max) t.push(t[t.length - 1] + (t[1] - t[0]));
  return t;
}

/** A text label's box, for placing labels clear of each other and of the points. */
interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

const overlaps = (a: Box, b: Box) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

const overlapArea = (a: Box, b: Box) =>
  Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x)) * Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));

/** Where a label may go, relative to its anchor point: offset and text anchor. */
type Spot = [dx: number, dy: number, anchor: 'start' | 'end'];

/**
 * Around a point: right above, right below, left above, left below, right, left; then the same
 * a step further out, for points in a cluster.
 */
const AROUND: Spot[] = [
  [8, -7, 'start'],
  [8, 13, 'start'],
  [-8, -7, 'end'],
  [-8, 13, 'end'],
  [8, 3, 'start'],
  [-8, 3, 'end'],
  [4, -17, 'start'],
  [4, 23, 'start'],
  [-4, -17, 'end'],
  [-4, 23, 'end'],
  [16, -15, 'start'],
  [16, 21, 'start'],
  [-16, -15, 'end'],
  [-16, 21, 'end'],
];

/**
 * Places labels one after another, each at the first of its spots that stays inside the plot and
 * keeps 2 px clear of every point (`points`) and every label placed before it; when none does, at
 * the spot inside the plot that overlaps the least.
 */
function placeLabels(points: { x: number; y: number }[], labels: { x: number; y: number; text: string; spots: Spot[] }[]): { x: number; y: number; anchor: 'start' | 'end' }[] {
  const pad = 2;
  const taken: Box[] = points.map((p) => ({ x: p.x - 6, y: p.y - 6, w: 12, h: 12 }));
  const grown = (b: Box): Box => ({ x: b.x - pad, y: b.y - pad, w: b.w + 2 * pad, h: b.h + 2 * pad });
  return labels.map((l) => {
    const w = l.text.length * 6.2 + 2;
    const boxAt = ([dx, dy, anchor]: Spot): Box => ({ x: anchor === 'start' ? l.x + dx : l.x + dx - w, y: l.y + dy - 10, w, h: 12 });
    const inside = (b: Box) => b.x >= M.l && b.x + b.w <= M.l + PW && b.y >= M.t && b.y + b.h <= BOTTOM;
    const fits = (b: Box) => inside(b) && !taken.some((t) => overlaps(t, grown(b)));
    const crowding = (b: Box) => taken.reduce((sum, t) => sum + overlapArea(t, b), 0) + (inside(b) ? 0 : 1e6);
    const spot = l.spots.find((sp) => fits(boxAt(sp))) ?? l.spots.reduce((best, sp) => (crowding(boxAt(sp)) < crowding(boxAt(best)) ? sp : best));
    taken.push(boxAt(spot));
    return { x: l.x + spot[0], y: l.y + spot[1], anchor: spot[2] };
  });
}

/** The point's colour: protects without cost, costs performance, or neither. */
function colourOf(l: CapLadderLevel): string {
  if (l.costs_performance) return COLOUR.costs;
  return l.protects ? COLOUR.protects : COLOUR.neither;
}

/** What a level did, in words, for its tooltip. */
function levelTitle(L: CapLadder, l: CapLadderLevel): string {
  const g = levelFigures(L, l, plain);
  const z = L.protected_zone;
  const caps = l.capacity_per_s.map((c) => `${ladderRateWithUnit(L, c.per_s)} on ${c.device}`).join(', ');
  let s = `level ${l.level}: ${caps} per busy second, shared by weight`;
  if (z !== null) s += ` (${z}'s limit ${g.limit})`;
  s += `; idle while IO waited ${l.idle_while_waiting_frac === null ? '-' : fmtPct(l.idle_while_waiting_frac)} of the window (worst device); time lost ${g.timeLost}, IOs lost ${g.opsLost}`;
  if (z !== null) s += `; ${z}'s p99 ${g.p99}, ${g.vsFair} its p99 under fair`;
  return s;
}

/** Cost (x) against protection (y): the ladder when it has a zone to protect. */
function protectionChart(L: CapLadder, T: Thresholds): string {
  const zone = L.protected_zone!;
  const levels = L.levels.filter((l) => l.idle_while_waiting_frac !== null && l.protected_p99_vs_fair != null);
  const refs = (L.reference ?? []).filter((r) => r.cost !== null && r.protected_p99_vs_fair !== null);
  const costs = [...levels.map((l) => l.idle_while_waiting_frac!), ...refs.map((r) => r.cost!)];
  const ratios = [...levels.map((l) => l.protected_p99_vs_fair!), ...refs.map((r) => r.protected_p99_vs_fair!)];
  const xTicks = ticksCovering(Math.max(...costs, T.cost * 2) * 1.04, 6);
  const xMax = xTicks[xTicks.length - 1];
  const x = (c: number) => M.l + 8 + (c / xMax) * (PW - 16);
  const lo = Math.log10(Math.min(...ratios, 1));
  const hi = Math.log10(Math.max(...ratios, 1 + T.protect_tolerance));
  const pad = Math.max(0.06, (hi - lo) * 0.08);
  const [yLo, yHi] = [lo - pad, hi + pad];
  const y = (v: number) => BOTTOM - ((Math.log10(v) - yLo) / (yHi - yLo)) * PH;
  const body: string[] = [];
  const gx = x(T.cost);
  const gy = y(1 + T.protect_tolerance);
  body.push(`<rect class="good" x="${M.l}" y="${r1(gy)}" width="${r1(gx - M.l)}" height="${r1(BOTTOM - gy)}" fill="${COLOUR.good}"/>`);
  for (let k = Math.floor(yLo); k <= Math.ceil(yHi); k++)
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** k;
      if (Math.log10(v) >= yLo && Math.log10(v) <= yHi) body.push(yTick(y(v), `${fmtRatio(v)}×`));
    }
  for (const t of xTicks) body.push(xTick(x(t), fmtPct(t), BOTTOM));
  body.push(
    `<line class="threshold cost" x1="${r1(gx)}" y1="${M.t}" x2="${r1(gx)}" y2="${BOTTOM}" stroke="#888" stroke-dasharray="4 3"/>`,
    `<line class="threshold protect" x1="${M.l}" y1="${r1(gy)}" x2="${M.l + PW}" y2="${r1(gy)}" stroke="#888" stroke-dasharray="4 3"/>`,
  );
  const pts = levels.map((l) => ({ x: x(l.idle_while_waiting_frac!), y: y(l.protected_p99_vs_fair!) }));
  if (pts.length > 1) body.push(`<polyline class="ladder-line" points="${pts.map((p) => `${r1(p.x)},${r1(p.y)}`).join(' ')}" fill="none" stroke="#aaa" stroke-width="1"/>`);
  const refPts = refs.map((r) => ({ x: x(r.cost!), y: y(r.protected_p99_vs_fair!) }));
  // the thresholds' labels first (along their lines, clear of the points), then the points'
  const costText = `${fmtPct(T.cost)} idle`;
  const protectText = `${fmtRatio(1 + T.protect_tolerance)}× fair`;
  const edge = M.l + PW - 4;
  const placed = placeLabels(
    [...pts, ...refPts],
    [
      { x: gx, y: M.t + 2, text: costText, spots: [[4, 10, 'start'], [4, PH - 6, 'start'], [4, PH / 2, 'start']] },
      { x: edge, y: gy, text: protectText, spots: [[0, -4, 'end'], [0, 12, 'end'], [-(PW - 8) / 2, -4, 'end'], [-(PW - 8) / 2, 12, 'end'], [gx + 8 - edge, -4, 'start'], [gx + 8 - edge, 12, 'start']] },
      ...levels.map((l, i) => ({ ...pts[i], text: String(l.level), spots: AROUND })),
      ...refs.map((r, i) => ({ ...refPts[i], text: r.policy, spots: AROUND })),
    ],
  );
  const [costAt, protectAt, ...labels] = placed;
  body.push(
    `<text class="threshold-label" x="${r1(costAt.x)}" y="${r1(costAt.y)}" text-anchor="${costAt.anchor}">${escapeHtml(costText)}</text>`,
    `<text class="threshold-label" x="${r1(protectAt.x)}" y="${r1(protectAt.y)}" text-anchor="${protectAt.anchor}">${escapeHtml(protectText)}</text>`,
  );
  // the references first and larger: a level that coincides with fifo (no cap binds) shows on top
  refs.forEach((r, i) => {
    const p = refPts[i];
    const at = labels[levels.length + i];
    const what = r.policy === 'fifo' ? 'fifo (the observation)' : 'fair queuing';
    const title = `${what}: idle while IO waited ${fmtPct(r.cost)} of the window; time lost ${lostText(r.work_lost_device_s)}; ${zone}'s p99 ${fmtRatio(r.protected_p99_vs_fair)}× its p99 under fair`;
    body.push(
      `<g class="reference" data-policy="${escapeHtml(r.policy)}"><title>${escapeHtml(title)}</title>` +
        `<rect x="${r1(p.x - 5.5)}" y="${r1(p.y - 5.5)}" width="11" height="11" fill="${r.policy === 'fair' ? COLOUR.protects : COLOUR.reference}" transform="rotate(45 ${r1(p.x)} ${r1(p.y)})"/>` +
        `<text class="reference-label" x="${r1(at.x)}" y="${r1(at.y)}" text-anchor="${at.anchor}">${escapeHtml(r.policy)}</text></g>`,
    );
  });
  levels.forEach((l, i) => {
    const p = pts[i];
    const at = labels[i];
    body.push(
      `<g class="level" data-level="${l.level}"><title>${escapeHtml(levelTitle(L, l))}</title>` +
        `<circle cx="${r1(p.x)}" cy="${r1(p.y)}" r="5" fill="${colourOf(l)}" stroke="#fff"/>` +
        `<text class="level-label" x="${r1(at.x)}" y="${r1(at.y)}" text-anchor="${at.anchor}">${l.level}</text></g>`,
    );
  });
  body.push(
    legend(
      [
        { label: 'protects, no cost', colour: COLOUR.protects },
        { label: 'costs performance', colour: COLOUR.costs },
        { label: 'neither', colour: COLOUR.neither },
        { label: 'fifo and fair (diamonds)', colour: COLOUR.reference },
      ],
      M.t - 8,
    ),
    `<text class="axis" x="${M.l + PW / 2}" y="${H - 4}" text-anchor="middle">idle while IO waited, share of the window (worst device)</text>`,
    `<text class="axis" transform="translate(12 ${M.t + PH / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(`${zone}'s p99 ÷ its p99 under fair (log)`)}</text>`,
  );
  return frame('frontier', `Cap ladder: idle time against ${zone}'s p99 relative to fair queuing, per level`, `data-zone="${escapeHtml(zone)}" data-mode="protection"`, body, H);
}

/** What each level cost, when no zone needs protecting: one bar per level. */
function costChart(L: CapLadder, T: Thresholds): string {
  const levels = L.levels;
  const costs = levels.map((l) => l.idle_while_waiting_frac ?? 0);
  const yTicks = ticksCovering(Math.max(...costs, T.cost * 2) * 1.04, 5);
  const yMax = yTicks[yTicks.length - 1];
  const y = (v: number) => BOTTOM - (v / yMax) * PH;
  const slot = PW / levels.length;
  const body: string[] = [];
  for (const t of yTicks) body.push(yTick(y(t), fmtPct(t)));
  levels.forEach((l, i) => {
    const g = levelFigures(L, l, plain);
    const cx = M.l + slot * (i + 0.5);
    const top = y(costs[i]);
    const bw = Math.min(40, slot * 0.6);
    body.push(
      `<g class="level" data-level="${l.level}"><title>${escapeHtml(levelTitle(L, l))}</title>` +
        `<rect x="${r1(cx - bw / 2)}" y="${r1(top)}" width="${r1(bw)}" height="${r1(BOTTOM - top)}" fill="${colourOf(l)}"/>` +
        `<text class="level-label" x="${r1(cx)}" y="${r1(top - 4)}" text-anchor="middle">${escapeHtml(l.idle_while_waiting_frac === null ? '-' : fmtPct(l.idle_while_waiting_frac))}</text></g>`,
      xTick(cx, `${l.level}: ${g.capacity}`, BOTTOM),
    );
  });
  const ty = y(T.cost);
  body.push(
    `<line class="threshold cost" x1="${M.l}" y1="${r1(ty)}" x2="${M.l + PW}" y2="${r1(ty)}" stroke="#888" stroke-dasharray="4 3"/>`,
    `<text class="threshold-label" x="${M.l + PW - 4}" y="${r1(ty - 4)}" text-anchor="end">${escapeHtml(`costs performance above ${fmtPct(T.cost)}`)}</text>`,
    `<text class="axis" x="${M.l + PW / 2}" y="${H - 4}" text-anchor="middle">${escapeHtml(`ladder level (1 = the tightest): ${ladderUnit(L)} per busy second on the first device`)}</text>`,
    `<text class="axis" transform="translate(12 ${M.t + PH / 2}) rotate(-90)" text-anchor="middle">idle while IO waited (worst device)</text>`,
  );
  return frame('frontier', 'Cap ladder: idle time while IO waited, per level (no zone needs protecting)', 'data-mode="cost"', body, H);
}

/** The frontier chart of the ladder (empty when it has no level). */
export function frontierChart(L: CapLadder, T: Thresholds): string {
  if (!L.levels.length) return '';
  const drawable = L.protected_zone !== null && L.levels.some((l) => l.idle_while_waiting_frac !== null && l.protected_p99_vs_fair != null);
  return drawable ? protectionChart(L, T) : costChart(L, T);
}
