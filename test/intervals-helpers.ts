import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TimeBase, type IntervalSample, type RecordSink, type SkipCode } from '../src/records.js';
import type { InputFormat, ParserOptions } from '../src/parsers/types.js';

export const ifixture = (name: string) => fileURLToPath(new URL(`../fixtures/intervals/${name}`, import.meta.url));
export const readFixture = (name: string) => readFileSync(ifixture(name), 'utf8');

export interface Collected {
  samples: IntervalSample[];
  skips: [number, string, SkipCode][];
  warnings: string[];
}

export function collect(): { sink: RecordSink; out: Collected } {
  const out: Collected = { samples: [], skips: [], warnings: [] };
  const sink: RecordSink = {
    io() {
      throw new Error('interval parser produced an IO event');
    },
    interval: (s) => out.samples.push(s),
    histogram() {
      throw new Error('interval parser produced a histogram');
    },
    skip: (l, c, r) => out.skips.push([l, r, c]),
    lost() {},
    warn: (m) => out.warnings.push(m),
  };
  return { sink, out };
}

/** Parses text with a format, feeding it in chunks of `chunk` characters (default: one write). */
export function parse(fmt: InputFormat, text: string, opts: Partial<ParserOptions> = {}, chunk = 0): Collected {
  const { sink, out } = collect();
  const p = fmt.create(sink, { timeBase: new TimeBase(), ...opts });
  if (chunk > 0) for (let i = 0; i < text.length; i += chunk) p.write(text.slice(i, i + chunk));
  else p.write(text);
  p.end();
  return out;
}

export function byName(samples: IntervalSample[], name: string): IntervalSample[] {
  return samples.filter((s) => s.name === name);
}

export const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
export const ops = (ss: IntervalSample[]) => sum(ss.map((s) => s.readOps + s.writeOps));
export const bytes = (ss: IntervalSample[]) => sum(ss.map((s) => s.readBytes + s.writeBytes));
