// Fitting the table report to the terminal: borderless cli-table3 tables that drop their least
// needed columns, then wrap their text columns (zone names), until every line fits the width; and
// paragraphs wrapped at word boundaries. Widths are what a terminal shows (string-width: a CJK
// character takes two columns; colour codes none).

import Table from 'cli-table3';
import stringWidth from 'string-width';
import { safeTerm } from './sanitize.js';

/** Input text for a table cell: control characters made visible, a tab too (it would break the columns). */
export const cellText = (s: string): string => safeTerm(s).replace(/\t/g, '\\t');

/** Below this width the report uses its compact layout (fewer columns, what-if details on lines of their own). */
export const COMPACT_BELOW = 100;

export interface Column {
  head: string;
  align?: 'left' | 'right';
  /** Columns with a rank are dropped, lowest rank first (a rank's columns together), while the table is too wide; others stay. */
  drop?: number;
  /** Text that may wrap onto more lines (zone names) when dropping columns is not enough. */
  wrap?: boolean;
}

/** Visible width of text: colour codes take none, wide characters two columns. */
export const visibleWidth = (s: string): number => stringWidth(s);

const PAD = 2; // one space of padding each side of a cell
const CHARS = {
  top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
  bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
  left: '', 'left-mid': '', mid: '', 'mid-mid': '',
  right: '', 'right-mid': '', middle: ' ',
};

/** The table, its columns dropped and wrapped until no line is wider than `width`. */
export function fitTable(cols: Column[], rows: string[][], width: number): string {
  const natural = cols.map((c, i) => Math.max(visibleWidth(c.head), ...rows.map((r) => visibleWidth(r[i]))) + PAD);
  const total = (keep: number[], w: (i: number) => number = (i) => natural[i]) => keep.reduce((s, i) => s + w(i), 0) + keep.length - 1;
  let keep = cols.map((_, i) => i);
  // columns of one rank go together (reads with writes)
  const ranks = [...new Set(cols.map((c) => c.drop).filter((r): r is number => r !== undefined))].sort((x, y) => x - y);
  for (const r of ranks) {
    if (total(keep) <= width) break;
    keep = keep.filter((i) => cols[i].drop !== r);
  }
  // still too wide: the wrapping columns share what the others leave, the narrowest first taking
  // no more than it needs (so a short policy name is not broken to give a long zone name room)
  const widths = new Map<number, number>();
  if (total(keep) > width) {
    const wrapping = keep.filter((i) => cols[i].wrap).sort((x, y) => natural[x] - natural[y]);
    let room = width - total(keep.filter((i) => !cols[i].wrap)) - wrapping.length;
    wrapping.forEach((i, k) => {
      const w = Math.max(PAD + 4, Math.min(natural[i], Math.floor(room / (wrapping.length - k))));
      widths.set(i, w);
      room -= w;
    });
  }
  // a wrapped cell is cut into lines here (at spaces, a number kept with its unit)
  const cell = (r: string[], i: number) => (widths.has(i) ? wrapText(r[i], widths.get(i)! - PAD).join('\n') : r[i]);
  const t = new Table({
    head: keep.map((i) => cols[i].head),
    style: { head: [], border: [], compact: true, 'padding-left': 1, 'padding-right': 1 },
    colAligns: keep.map((i) => cols[i].align ?? (i === 0 ? 'left' : 'right')),
    colWidths: keep.map((i) => widths.get(i) ?? null) as number[],
    chars: CHARS,
  });
  for (const r of rows) t.push(keep.map((i) => cell(r, i)));
  return t.toString();
}

/** A unit after a number ("22.2 %", "1.26 s", "+9.5 pp"): kept on the number's line. */
const UNIT = /^(%|pp|[nµm]?s|[kMGTP]?B|B\/s|IOPS|×)[,.;:)]*$/;

/** Words at spaces, a unit joined to the number before it (by a space that does not break). */
function words(text: string): string[] {
  const out: string[] = [];
  for (const w of text.split(' ')) {
    if (out.length && UNIT.test(w) && /\d$/.test(out[out.length - 1])) out[out.length - 1] += ' ' + w;
    else out.push(w);
  }
  return out;
}

/**
 * Text wrapped at spaces so no line is wider than `width`; later lines are indented by `indent`
 * spaces; a word longer than a line is cut. Colour codes inside the text are kept.
 */
export function wrapText(text: string, width: number, indent = 0): string[] {
  const lines: string[] = [];
  const pad = ' '.repeat(indent);
  let line = '';
  let lineW = 0;
  const room = () => width - (lines.length ? indent : 0);
  const flush = () => {
    lines.push((lines.length ? pad : '') + line);
    line = '';
    lineW = 0;
  };
  for (const word of words(text)) {
    let w = word;
    let ww = visibleWidth(w);
    if (lineW > 0 && lineW + 1 + ww > room()) flush();
    while (ww > room()) {
      // a word wider than a line: cut it (by characters, which may be two columns wide)
      if (lineW > 0) flush();
      let cut = '';
      for (const ch of w) {
        if (visibleWidth(cut + ch) > room()) break;
        cut += ch;
      }
      if (!cut) cut = [...w][0];
      line = cut;
      lineW = visibleWidth(cut);
      flush();
      w = w.slice(cut.length);
      ww = visibleWidth(w);
    }
    if (!w) continue;
    line += (lineW > 0 ? ' ' : '') + w;
    lineW += (lineW > 0 ? 1 : 0) + ww;
  }
  if (line || !lines.length) flush();
  return lines;
}
