// Test helpers for the DTrace parsers: a recording RecordSink and a fixture runner.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LatencyHistogram, Op, RecordSink, SkipCode, ZoneKind } from '../src/records.js';
import { TimeBase } from '../src/records.js';
import type { InputFormat, ParserOptions } from '../src/parsers/types.js';

export interface Io {
  zone: string;
  device: string;
  op: Op;
  bytes: number;
  issueNs: number;
  doneNs: number;
  /** Byte offset on the device, when the tool prints one. */
  offset?: number;
}

export class RecordingSink implements RecordSink {
  ios: Io[] = [];
  hists: LatencyHistogram[] = [];
  skips: { line: number; code: SkipCode; reason: string }[] = [];
  lostTotal = 0;
  lostWhat: string[] = [];
  warnings: string[] = [];
  intervals = 0;
  io(zone: string, device: string, op: Op, bytes: number, issueNs: number, doneNs: number, _weight?: number, offset?: number): void {
    this.ios.push({ zone, device, op, bytes, issueNs, doneNs, offset });
  }
  interval(): void {
    this.intervals++;
  }
  histogram(h: LatencyHistogram): void {
    this.hists.push(h);
  }
  skip(line: number, code: SkipCode, reason: string): void {
    this.skips.push({ line, code, reason });
  }
  lost(count: number, what: string): void {
    this.lostTotal += count;
    this.lostWhat.push(what);
  }
  warn(message: string): void {
    this.warnings.push(message);
  }
  kinds = new Map<string, ZoneKind>();
  zoneKind(zone: string, kind: ZoneKind): void {
    this.kinds.set(zone, kind);
  }
}

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'dtrace');

export function fixture(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8');
}

/** Feed text through a format's parser (optionally in chunks) and return the sink and time base. */
export function run(
  fmt: InputFormat,
  text: string,
  opts: Partial<ParserOptions> = {},
  chunk = 0,
): { sink: RecordingSink; tb: TimeBase } {
  const sink = new RecordingSink();
  const tb = opts.timeBase ?? new TimeBase();
  const p = fmt.create(sink, { ...opts, timeBase: tb });
  if (chunk > 0) for (let i = 0; i < text.length; i += chunk) p.write(text.slice(i, i + chunk));
  else p.write(text);
  p.end();
  return { sink, tb };
}

/**
 * A time base fixed at 0, so that parsed times are the absolute values a fixture prints (a fresh
 * TimeBase makes them relative to the first one parsed).
 */
export function absoluteTime(): TimeBase {
  const tb = new TimeBase();
  tb.adopt(0n);
  return tb;
}
