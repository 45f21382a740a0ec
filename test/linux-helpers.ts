import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TimeBase, type IntervalSample, type LatencyHistogram, type RecordSink, type SkipCode } from '../src/records.js';
import type { InputFormat, ParserOptions } from '../src/parsers/types.js';

export const lfixture = (name: string) => fileURLToPath(new URL(`../fixtures/linux/${name}`, import.meta.url));
export const readLinux = (name: string) => readFileSync(lfixture(name), 'utf8');

export interface Parsed {
  samples: IntervalSample[];
  histograms: LatencyHistogram[];
  /** [line, code, reason] */
  skips: [number, SkipCode, string][];
  warnings: string[];
}

/** Parses text with a format (any fidelity but events), feeding it in chunks of `chunk` characters. */
export function parseAll(fmt: InputFormat, text: string, opts: Partial<ParserOptions> = {}, chunk = 0): Parsed {
  const out: Parsed = { samples: [], histograms: [], skips: [], warnings: [] };
  const sink: RecordSink = {
    io() {
      throw new Error('unexpected IO event');
    },
    interval: (s) => out.samples.push(s),
    histogram: (h) => out.histograms.push(h),
    skip: (l, c, r) => out.skips.push([l, c, r]),
    lost() {},
    warn: (m) => out.warnings.push(m),
  };
  const p = fmt.create(sink, { timeBase: new TimeBase(), ...opts });
  if (chunk > 0) for (let i = 0; i < text.length; i += chunk) p.write(text.slice(i, i + chunk));
  else p.write(text);
  p.end();
  return out;
}

/** Non-empty buckets of a histogram as [lo, hi, count] in ns. */
export const nonEmpty = (h: LatencyHistogram) => h.buckets.filter((b) => b.count > 0).map((b) => [b.lo, b.hi, b.count]);

export const sumOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
