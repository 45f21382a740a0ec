// Helpers shared by the Linux per-IO tracer parsers (biosnoop, biosnoop.bt, perf-tools iosnoop,
// blkparse, iofair's bpftrace script): the tools' own messages, clock columns, latency columns,
// OS queue time, and counts-only latency histograms.

import type { LatencyHistogram, Op, RecordSink } from '../records.js';
import type { Parser } from './types.js';
import { wholeLineParser } from './lines.js';

/**
 * Lines the tools (or a terminal) print that are neither records nor bad lines. Loss messages
 * are counted through sink.lost and summarised once by finish().
 */
export class LinuxMessages {
  private lost = 0;
  private lossLines = 0;
  private other = 0;
  private firstOther = '';

  constructor(
    private readonly sink: RecordSink,
    private readonly tool: string,
  ) {}

  /** True when the line is a banner, a loss report or another tool message (consumed). */
  handle(line: string): boolean {
    const t = line.trim();
    if (t === '^C' || t === '[...]') return true;
    // Banners: bcc/libbpf `Tracing block I/O... Hit Ctrl-C to end.`, perf-tools `Tracing block
    // I/O. Ctrl-C to end.` / `Ending tracing...`, bpftrace `Attaching 4 probes...`, `Detaching...`
    if (/^(?:Tracing\b.*(?:Ctrl-C|\.\.\.|\.)|Ending tracing\.\.\.|Attaching \d+ probes?\.\.\.|Detaching\.\.\.)\s*$/i.test(t)) return true;
    // Losses: bcc `Possibly lost 12 samples`, libbpf-tools `lost 5 events on CPU #2`, bpftrace
    // `Lost 7 events`, ftrace `CPU:1 [LOST 3 EVENTS]` (perf-tools prefixes `WARNING: `).
    const m =
      /^Possibly lost (\d+) samples?$/i.exec(t) ??
      /^lost (\d+) events? on CPU #?\d+$/i.exec(t) ??
      /^Lost (\d+) events?$/i.exec(t) ??
      /^(?:WARNING: )?CPU:\s*\d+ \[LOST (\d+) EVENTS\]$/i.exec(t);
    if (m) {
      const n = Number(m[1]);
      if (n > 0) this.sink.lost(n, `${this.tool} lost events`);
      this.lost += n;
      this.lossLines++;
      return true;
    }
    // Other stderr merged into the pipe: bpftrace/perf-tools WARNING/ERROR lines, `Error: packet
    // too small` (libbpf-tools).
    if (/^(?:WARNING|ERROR|Error|stdin:\d+)[:\s]/.test(t)) {
      if (this.other++ === 0) this.firstOther = t.length > 160 ? `${t.slice(0, 160)}…` : t;
      return true;
    }
    return false;
  }

  finish(): void {
    if (this.lossLines)
      this.sink.warn(
        `${this.tool} reported ${this.lost} lost event(s) (${this.lossLines} message(s)): those IOs are missing from the shares; a bigger perf buffer or a lower IO rate avoids it`,
      );
    if (this.other) this.sink.warn(`ignored ${this.other} message(s) of ${this.tool} (first: "${this.firstOther}")`);
  }
}

/**
 * Whether a line starts as the tools' records do, with a number (a time, a PID): such a line is
 * neither a header nor a tool message, so parsers go straight to the row (checking every line
 * for a header first was a third of the parse).
 */
export function startsLikeData(text: string): boolean {
  let i = 0;
  while (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9) i++;
  let c = text.charCodeAt(i);
  if (c === 45) c = text.charCodeAt(i + 1); // '-'
  return c >= 48 && c <= 57;
}

/** A tool whose output is a header line naming its layout, then one row per IO. */
export interface HeadedRows {
  /** The tool, for messages. */
  tool: string;
  /** What its header looks like, for the skip of rows before one. */
  header: string;
  /** Takes the layout from `text` when it is a header line; returns whether it was one. */
  onHeader(text: string): boolean;
  /** Whether a header has been seen. */
  hasHeader(): boolean;
  /** Whether lines that start with a number are rows (the fast path past headers and messages). */
  numberedRows(): boolean;
  onRow(text: string, lineNo: number): void;
  /** Other lines that are not records and not bad (trimmed), e.g. maps bpftrace dumps at exit. */
  ignore?(trimmed: string): boolean;
  onEnd(): void;
}

/**
 * The line loop such tools share: a cut-off last line is skipped as TRUNCATED, blank lines, tool
 * messages (LinuxMessages) and headers are consumed, rows before any header are skipped as
 * NO_HEADER (with one warning), the rest are rows.
 */
export function headedLineParser(sink: RecordSink, msgs: LinuxMessages, f: HeadedRows): Parser {
  let warnedNoHeader = false;
  return wholeLineParser(
    sink,
    (text, lineNo) => {
      if (f.numberedRows() && startsLikeData(text)) {
        f.onRow(text, lineNo);
        return;
      }
      const t = text.trim();
      if (t === '' || msgs.handle(text) || f.onHeader(text) || f.ignore?.(t)) return;
      if (!f.hasHeader()) {
        if (!warnedNoHeader) {
          warnedNoHeader = true;
          sink.warn(`${f.tool} rows before its header line (${f.header}) were skipped`);
        }
        sink.skip(lineNo, 'NO_HEADER', `expected a ${f.tool} header (${f.header}) before rows`);
        return;
      }
      f.onRow(text, lineNo);
    },
    () => {
      f.onEnd();
      msgs.finish();
    },
  );
}

/** The layout of the first header `layoutOf` recognises among the first 5 non-blank lines. */
export function headerIn<L>(head: string[], layoutOf: (line: string) => L | null): L | null {
  let n = 0;
  for (const l of head) {
    if (l.trim() === '') continue;
    const lay = layoutOf(l);
    if (lay) return lay;
    if (++n >= 5) break;
  }
  return null;
}

/** Exact ns of a decimal duration string in ms (`0.74`, `12.345`, `3`), or NaN. */
export function msToNs(tok: string): number {
  const m = /^(-?)(\d+)(?:\.(\d{1,6}))?$/.exec(tok);
  if (!m) return NaN;
  const frac = (m[3] ?? '').padEnd(6, '0');
  const v = Number(m[2]) * 1e6 + Number(frac);
  return m[1] ? -v : v;
}

/** Decimal places of a number token (`0.74` → 2). */
export function decimals(tok: string): number {
  const dot = tok.indexOf('.');
  return dot < 0 ? 0 : tok.length - dot - 1;
}

/** Resolution words for a latency column printed in ms with `d` decimals. */
export function msResolution(d: number): string {
  if (d <= 0) return '1 ms';
  if (d === 1) return '100 µs';
  if (d === 2) return '10 µs';
  if (d === 3) return '1 µs';
  return `${10 ** (6 - d)} ns`;
}

const DAY_MS = 86400000;

/**
 * Wall-clock times without a date (`17:58:57.814`): milliseconds since the first line's midnight.
 * A time more than 12 hours before the previous one is taken to be the next day (a trace running
 * across midnight); `wraps` counts those.
 */
export class WallClock {
  private day = 0;
  private last = -1;
  wraps = 0;

  /** Milliseconds (integer, may exceed a day), or NaN when `tok` is not HH:MM:SS[.fff]. */
  ms(tok: string): number {
    const m = /^(\d{1,2}):(\d\d):(\d\d)(?:\.(\d{1,3}))?$/.exec(tok);
    if (!m) return NaN;
    const h = Number(m[1]);
    const min = Number(m[2]);
    const s = Number(m[3]);
    if (h > 23 || min > 59 || s > 60) return NaN;
    const t = ((h * 60 + min) * 60 + s) * 1000 + Number((m[4] ?? '').padEnd(3, '0'));
    if (this.last >= 0 && t < this.last - DAY_MS / 2) {
      this.day++;
      this.wraps++;
    }
    this.last = t;
    return this.day * DAY_MS + t;
  }
}

/**
 * OS queue time per zone (biosnoop -Q's QUE column): reported beside, not inside, the latencies,
 * which are device time (issue → completion). Memory: one entry per zone.
 */
export class QueueTimes {
  private zones = new Map<string, { n: number; sum: number; max: number }>();
  private missing = 0;

  add(zone: string, ns: number): void {
    if (!(ns >= 0)) {
      this.missing++;
      return;
    }
    let z = this.zones.get(zone);
    if (!z) {
      z = { n: 0, sum: 0, max: 0 };
      this.zones.set(zone, z);
    }
    z.n++;
    z.sum += ns;
    if (ns > z.max) z.max = ns;
  }

  finish(sink: RecordSink, tool: string, column: string, resolution: string): void {
    if (!this.zones.size && !this.missing) return;
    const rows = [...this.zones.entries()].sort((a, b) => b[1].sum - a[1].sum || (a[0] < b[0] ? -1 : 1));
    const ms = (ns: number) => `${+(ns / 1e6).toFixed(3)} ms`;
    const shown = rows.slice(0, 10).map(([z, q]) => `${z} mean ${ms(q.sum / q.n)}, max ${ms(q.max)}`);
    const more = rows.length > 10 ? `; ${rows.length - 10} more zone(s)` : '';
    sink.warn(
      `${tool} ${column}: time queued in the OS before the device (${resolution} resolution) is not part of the latencies or device times above, which run from device issue to completion; per zone: ${shown.join('; ')}${more}` +
        (this.missing ? `; ${this.missing} IO(s) have no queue time (their queue event was not seen)` : ''),
    );
  }
}

/**
 * Per-IO latencies without timestamps (a layout that prints no time column): per zone × device
 * × op, a histogram with buckets as fine as the printed values up to `exactBelowNs`, and of 3
 * significant digits above, so that their number is bounded (≤ 900 per decade) whatever the
 * number of IOs.
 */
export class LatencyCounts {
  private keys = new Map<string, { zone: string; device: string; op: Op; buckets: Map<number, [number, number]> }>();

  constructor(
    private readonly resolutionNs: number,
    private readonly exactBelowNs = 100 * resolutionNs,
  ) {}

  /** [lo, hi) of the bucket holding `latNs`. */
  bucketOf(latNs: number): [number, number] {
    if (latNs < this.exactBelowNs) {
      const lo = Math.floor(latNs / this.resolutionNs) * this.resolutionNs;
      return [lo, lo + this.resolutionNs];
    }
    const w = Math.max(this.resolutionNs, 10 ** (Math.floor(Math.log10(latNs)) - 2));
    const lo = Math.floor(latNs / w) * w;
    return [lo, lo + w];
  }

  add(zone: string, device: string, op: Op, latNs: number): void {
    const key = `${zone}\u0000${device}\u0000${op}`;
    let k = this.keys.get(key);
    if (!k) {
      k = { zone, device, op, buckets: new Map() };
      this.keys.set(key, k);
    }
    const [lo, hi] = this.bucketOf(latNs);
    const b = k.buckets.get(lo);
    if (b) b[1]++;
    else k.buckets.set(lo, [hi, 1]);
  }

  finish(sink: RecordSink, resolution: string): void {
    for (const k of this.keys.values()) {
      const buckets = [...k.buckets.entries()].sort((a, b) => a[0] - b[0]).map(([lo, [hi, count]]) => ({ lo, hi, count }));
      const h: LatencyHistogram = { key: k.zone, subkeys: [k.device, k.op], buckets, resolution };
      sink.histogram(h);
    }
  }
}

/** Device names as MAJ:MIN (the kernel's and io.stat's spelling) from `8,0` or `8 0`. */
export function majMin(maj: string, min: string): string {
  return `${Number(maj)}:${Number(min)}`;
}
