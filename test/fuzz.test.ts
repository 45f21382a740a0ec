// Fuzzing every input format in the registry (formats added later are covered once they have a
// fixture): arbitrary bytes and mutations of each fixture (byte flips, truncation, repeated,
// dropped and swapped lines, huge numbers, NUL bytes, CRLF, overlong and garbage lines) never
// throw, never emit a malformed record, and every line is accounted for: a record, a counted skip,
// or a line the format documents as ignorable (headers, banners, comments, blank lines). A few
// mutated inputs also go through the cli, which must exit 0 or 3 with valid JSON and clean stderr.
//
// Bounded for CI (fixed seed, ~15 s); IOFAIR_FUZZ_RUNS=N runs N cases per format and
// property, IOFAIR_FUZZ_SEED picks another seed.

import { describe, it, expect, afterAll } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { spawnSync } from 'node:child_process';
import { SKIP_CODES, TimeBase, type IntervalSample, type LatencyHistogram, type SkipCode } from '../src/records.js';
import { createParser, formats } from '../src/parsers/registry.js';
import { iosnoopLayout } from '../src/parsers/iosnoop.js';
import { printfHeader } from '../src/parsers/dtrace-printf.js';
import { parsePrompt } from '../src/parsers/interval-common.js';
import type { InputFormat } from '../src/parsers/types.js';
import { BIN, ROOT } from './helpers.js';
import { FIXTURES, fixturesByFormat } from './fixtures-by-format.js';

const RUNS = Number(process.env.IOFAIR_FUZZ_RUNS ?? 15);
const SEED = Number(process.env.IOFAIR_FUZZ_SEED ?? 16);
const BY_FORMAT = fixturesByFormat();

interface Outcome {
  ios: { zone: string; device: string; bytes: number; issue: number; done: number }[];
  intervals: IntervalSample[];
  hists: LatencyHistogram[];
  skips: { line: number; code: SkipCode }[];
  warnings: string[];
}

/** Parses `bytes` with `fmt` the way the cli's reader feeds it (bytes, or UTF-8 text without a BOM), in chunks. */
function parseBytes(fmt: InputFormat, bytes: Buffer, chunk: number): Outcome {
  const o: Outcome = { ios: [], intervals: [], hists: [], skips: [], warnings: [] };
  const sink = {
    io: (zone: string, device: string, _op: string, b: number, issue: number, done: number) => void o.ios.push({ zone, device, bytes: b, issue, done }),
    interval: (s: IntervalSample) => void o.intervals.push(s),
    histogram: (h: LatencyHistogram) => void o.hists.push(h),
    skip: (line: number, code: SkipCode) => void o.skips.push({ line, code }),
    lost() {},
    warn: (m: string) => void o.warnings.push(m),
  };
  // interval tools: keep the first report, so that no row is dropped as "since boot"
  const p = createParser(fmt, sink, { timeBase: new TimeBase(), keepFirst: true });
  if (p.writeBytes) for (let i = 0; i < bytes.length; i += chunk) p.writeBytes(bytes.subarray(i, i + chunk));
  else {
    const dec = new StringDecoder('utf8');
    let first = true;
    for (let i = 0; i < bytes.length; i += chunk) {
      let t = dec.write(bytes.subarray(i, i + chunk));
      if (first && t.length) {
        if (t.charCodeAt(0) === 0xfeff) t = t.slice(1);
        first = false;
      }
      p.write(t);
    }
    p.write(dec.end());
  }
  p.end();
  return o;
}

function linesOf(text: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => l.replace(/\r$/, ''));
}

/** What every parser must hold to, whatever its input. */
function checkWellFormed(o: Outcome, lineCount: number): void {
  for (const s of o.skips) {
    expect(SKIP_CODES).toContain(s.code);
    expect(Number.isInteger(s.line) && s.line >= 1 && s.line <= Math.max(1, lineCount), `skip at line ${s.line} of ${lineCount}`).toBe(true);
  }
  for (const io of o.ios) {
    expect(Number.isFinite(io.issue) && Number.isFinite(io.done) && io.done >= io.issue, JSON.stringify(io)).toBe(true);
    expect(Number.isFinite(io.bytes) && io.bytes >= 0).toBe(true);
    expect(io.zone !== '' && io.device !== '').toBe(true);
  }
  for (const s of o.intervals) {
    expect(Number.isFinite(s.startNs) && Number.isFinite(s.durationNs) && s.durationNs > 0, JSON.stringify(s)).toBe(true);
    for (const v of [s.readOps, s.writeOps, s.readBytes, s.writeBytes]) expect(Number.isFinite(v) && v >= 0, JSON.stringify(s)).toBe(true);
  }
  for (const h of o.hists) for (const b of h.buckets) expect(Number.isFinite(b.count) && b.count >= 0 && b.lo < b.hi, JSON.stringify(b)).toBe(true);
}

// --- Line accounting -------------------------------------------------------------------------
// For the formats whose lines map to records, the test classifies the lines each format documents
// as ignorable, and counts what the parser made of the others; every line must be one of them.

const DTRACE_NOISE = (t: string) => t.startsWith('dtrace:') || t === '^C' || /^Tracing\b.*(?:Ctrl-C|\.\.\.)/i.test(t);
const DIST_HEADER = /^\s*value\s+-+\s*Distribution\s*-+\s*count\s*$/;

interface Ledger {
  /** Lines the format documents as ignorable (a line that was also skipped counts as skipped). */
  ignorable(line: string, index: number, lines: string[], skipped: Set<number>): boolean;
  /** Lines that became (part of) records. */
  used(o: Outcome): number;
  /** Inputs whose accounting the ledger cannot do (CSV records quoted across lines). */
  applies?(lines: string[]): boolean;
}

const LEDGERS: Record<string, Ledger> = {
  csv: {
    ignorable(line, i, lines, skipped) {
      const t = line.trim();
      if (t === '' || t.startsWith('#')) return true;
      // the header: the first line that is not blank, a comment or a line skipped before it (too long)
      const header = lines.find((l, k) => l.trim() !== '' && !l.trim().startsWith('#') && !skipped.has(k + 1));
      return line === header;
    },
    used: (o) => o.ios.length,
    applies: (lines) => lines.every((l) => (l.match(/"/g)?.length ?? 0) % 2 === 0),
  },
  'dtrace-iofair': {
    ignorable: (line) => line.trim() === '' || line.trim().startsWith('#') || DTRACE_NOISE(line.trim()),
    used: (o) => o.ios.length,
  },
  'dtrace-printf': {
    ignorable: (line) => {
      const t = line.trim();
      return t === '' || t.startsWith('#') || /^Tracing\b/i.test(t) || DTRACE_NOISE(t) || printfHeader(line) !== null;
    },
    // rows of operations that are not IO are documented as ignored, counted in a warning
    used: (o) =>
      o.ios.length +
      o.warnings
        .filter((w) => w.startsWith('rows that are not reads or writes were ignored'))
        .flatMap((w) => [...w.matchAll(/(\d+) \S+/g)].map((m) => Number(m[1])))
        .reduce((a, b) => a + b, 0),
  },
  iosnoop: {
    ignorable: (line) => line.trim() === '' || DTRACE_NOISE(line.trim()) || iosnoopLayout(line) !== null,
    used: (o) => o.ios.length,
  },
  'iosnoop-counts': {
    ignorable: (line) => line.trim() === '' || DTRACE_NOISE(line.trim()) || iosnoopLayout(line) !== null,
    // each row is one count in its zone's histogram
    used: (o) => o.hists.flatMap((h) => h.buckets).reduce((n, b) => n + b.count, 0),
  },
  'dtrace-agg': {
    ignorable: (line) => {
      const t = line.trim();
      return t === '' || DTRACE_NOISE(t) || DIST_HEADER.test(line) || /^\s*(?:Tracing\b.*|Hit Ctrl-C.*|#.*)$/i.test(line) || /^\s*\d{4} [A-Z][a-z]{2} +\d{1,2} \d\d:\d\d:\d\d\b/.test(line);
    },
    // a distribution's rows are its buckets, plus its key line unless it had none; a printa line
    // is one count-only histogram
    used(o) {
      const dists = o.hists.filter((h) => !h.resolution.startsWith('count only'));
      const keyless = Number(/(\d+) distribution\(s\) had no key/.exec(o.warnings.join('\n'))?.[1] ?? 0);
      return dists.reduce((n, h) => n + h.buckets.length, 0) + dists.length - keyless + (o.hists.length - dists.length);
    },
  },
};

/**
 * Stretches a format documents as left out whole, where a junk line is left out with them: the
 * summary blkparse prints at the end (up to the next event), pidstat's Average: block (up to a
 * blank line), the snapshot after a bad time line of the cgroup script (counted in a warning).
 */
const LEFT_OUT: Record<string, (lines: string[], i: number) => boolean> = {
  blkparse(lines, i) {
    for (let j = i - 1; j >= 0; j--) {
      if (/^\s*\d+,\d+\s+\d+\s+\d+\s+\d+\.\d+\s/.test(lines[j])) return false;
      if (/^(?:CPU\d+ \(.*\):|Total \(.*\):|Throughput \(R\/W\):|Events \(.*\):|Skips:)/.test(lines[j].trim())) return true;
    }
    return false;
  },
  pidstat(lines, i) {
    for (let j = i - 1; j >= 0 && lines[j].trim() !== ''; j--) if (lines[j].trim().startsWith('Average:')) return true;
    return false;
  },
  'cgroup-iostat'(lines, i) {
    for (let j = i - 1; j >= 0; j--) if (/^T(?:\s|\d|$)/.test(lines[j])) return !/^T\s+\d+(?:\.\d+)?\s*$/.test(lines[j]);
    return false;
  },
};

function checkAccounting(name: string, o: Outcome, lines: string[]): void {
  const ledger = LEDGERS[name];
  if (!ledger || (ledger.applies && !ledger.applies(lines))) return;
  const skipped = new Set(o.skips.map((s) => s.line));
  let ignorable = 0;
  lines.forEach((l, i) => {
    if (!skipped.has(i + 1) && ledger.ignorable(l, i, lines, skipped)) ignorable++;
  });
  const used = ledger.used(o);
  expect({ used, skipped: skipped.size, ignorable, total: used + skipped.size + ignorable }).toEqual({ used, skipped: skipped.size, ignorable, total: lines.length });
}

// --- Mutations --------------------------------------------------------------------------------

type Mutation =
  | { kind: 'flip'; at: number; xor: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'repeat' | 'drop'; at: number }
  | { kind: 'swap'; at: number; with: number }
  | { kind: 'huge'; at: number; digits: number; negative: boolean }
  | { kind: 'nul'; at: number }
  | { kind: 'crlf' }
  | { kind: 'long'; at: number }
  | { kind: 'garbage'; at: number; text: string };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constantFrom('repeat' as const, 'drop' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('swap' as const), at: fc.nat(), with: fc.nat() }),
  fc.record({ kind: fc.constant('huge' as const), at: fc.nat(), digits: fc.integer({ min: 16, max: 40 }), negative: fc.boolean() }),
  fc.record({ kind: fc.constant('nul' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('crlf' as const) }),
  fc.record({ kind: fc.constant('long' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('garbage' as const), at: fc.nat(), text: fc.string({ minLength: 1, maxLength: 40 }) }),
);

const LONG_LINE = 'x'.repeat((1 << 20) + 100);

function mutate(src: Buffer, ms: Mutation[]): Buffer {
  let b = src;
  for (const m of ms) {
    const lines = b.toString('latin1').split('\n');
    const li = (n: number) => n % lines.length;
    switch (m.kind) {
      case 'flip':
        if (b.length) {
          b = Buffer.from(b);
          b[m.at % b.length] ^= m.xor;
        }
        break;
      case 'truncate':
        b = b.subarray(0, m.at % (b.length + 1));
        break;
      case 'nul':
        b = Buffer.concat([b.subarray(0, m.at % (b.length + 1)), Buffer.from([0]), b.subarray(m.at % (b.length + 1))]);
        break;
      case 'crlf':
        b = Buffer.from(b.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
        break;
      case 'repeat':
        lines.splice(li(m.at), 0, lines[li(m.at)]);
        b = Buffer.from(lines.join('\n'), 'latin1');
        break;
      case 'drop':
        lines.splice(li(m.at), 1);
        b = Buffer.from(lines.join('\n'), 'latin1');
        break;
      case 'swap': {
        const [i, j] = [li(m.at), li(m.with)];
        [lines[i], lines[j]] = [lines[j], lines[i]];
        b = Buffer.from(lines.join('\n'), 'latin1');
        break;
      }
      case 'huge': {
        // replace the n-th number in the input
        const text = b.toString('latin1');
        const nums = [...text.matchAll(/\d+/g)];
        if (!nums.length) break;
        const n = nums[m.at % nums.length];
        const big = (m.negative ? '-' : '') + '9'.repeat(m.digits);
        b = Buffer.from(text.slice(0, n.index) + big + text.slice(n.index! + n[0].length), 'latin1');
        break;
      }
      case 'long':
        lines.splice(li(m.at), 0, LONG_LINE);
        b = Buffer.from(lines.join('\n'), 'latin1');
        break;
      case 'garbage':
        lines.splice(li(m.at), 0, m.text.replace(/[\r\n]/g, ' '));
        b = Buffer.from(lines.join('\n'), 'utf8');
        break;
    }
  }
  return b;
}

// --- Properties -------------------------------------------------------------------------------

describe('fuzzing every input format', () => {
  it('every format in the registry has a fixture to mutate', () => {
    for (const f of formats) expect(BY_FORMAT.get(f.name), `no fixture sniffs as ${f.name}: add one to fixtures/`).toBeDefined();
  });

  describe.each(formats.map((f) => [f.name, f] as const))('%s', (name, fmt) => {
    const fixtures = (BY_FORMAT.get(name) ?? []).map((f) => readFileSync(join(FIXTURES, f)));

    it('its fixtures, unmutated, are fully accounted for', () => {
      for (const b of fixtures) {
        const o = parseBytes(fmt, b, 1 << 16);
        const lines = linesOf(b.toString('utf8'));
        checkWellFormed(o, lines.length);
        checkAccounting(name, o, lines);
      }
    });

    it('mutated fixtures: no throw, well-formed records, every line accounted for', () => {
      fc.assert(
        fc.property(fc.nat(fixtures.length - 1), fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 70_000 }), (k, ms, chunk) => {
          const b = mutate(fixtures[k], ms);
          const o = parseBytes(fmt, b, chunk);
          const lines = linesOf(b.toString('utf8'));
          checkWellFormed(o, lines.length);
          checkAccounting(name, o, lines);
        }),
        { numRuns: RUNS, seed: SEED },
      );
    });

    it('arbitrary bytes: no throw, well-formed records', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 2048 }), fc.integer({ min: 1, max: 4096 }), (bytes, chunk) => {
          const b = Buffer.from(bytes);
          const o = parseBytes(fmt, b, chunk);
          checkWellFormed(o, linesOf(b.toString('utf8')).length);
        }),
        { numRuns: RUNS, seed: SEED },
      );
    });

    // (not a pasted shell prompt, `% cmd`, which the interval tools read as the command's line)
    it('a garbage line inserted anywhere is a counted skip or a documented ignorable line, never a silent loss', () => {
      fc.assert(
        fc.property(fc.nat(fixtures.length - 1), fc.nat(), fc.stringMatching(/^[a-z!?%&][a-z !?%&*]{0,30}$/).filter((junk) => parsePrompt(junk) === undefined), (k, at, junk) => {
          const lines = linesOf(fixtures[k].toString('utf8'));
          const i = at % (lines.length + 1);
          lines.splice(i, 0, junk);
          const o = parseBytes(fmt, Buffer.from(lines.join('\n') + '\n'), 1 << 16);
          checkWellFormed(o, lines.length);
          const ledger = LEDGERS[name];
          if (ledger) checkAccounting(name, o, lines);
          else if (name === 'iostat-json') {
            // read by statistics element: junk inside one costs that element (skipped at its first line)
            const clean = parseBytes(fmt, fixtures[k], 1 << 16);
            expect(o.skips.some((s) => s.line <= i + 1) && o.skips.length > clean.skips.length, `line ${i + 1} "${junk}" not counted`).toBe(true);
          } else if (!LEFT_OUT[name]?.(lines, i)) expect(o.skips.some((s) => s.line === i + 1), `line ${i + 1} "${junk}" neither skipped nor ignorable`).toBe(true);
        }),
        { numRuns: RUNS, seed: SEED },
      );
    });
  });
});

describe('fuzzing through the cli', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'iofair-fuzz-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('a mutated fixture of each format: exit 0 or 3 with valid JSON, no crash, no hang, every stderr line clean', () => {
    const rnd = fc.sample(fc.array(mutation, { minLength: 1, maxLength: 3 }), { numRuns: formats.length, seed: SEED });
    formats.forEach((f, n) => {
      const fixtures = BY_FORMAT.get(f.name) ?? [];
      if (!fixtures.length) return;
      const file = join(tmp, `${f.name}.in`);
      writeFileSync(file, mutate(readFileSync(join(FIXTURES, fixtures[n % fixtures.length])), rnd[n]));
      const r = spawnSync(process.execPath, [BIN, 'analyze', '--json', '--input-format', f.name, file], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
      expect(r.signal, `${f.name}: killed (hang past 30 s or crash)`).toBeNull();
      expect([0, 3], `${f.name}: exit ${r.status}\n${r.stderr}`).toContain(r.status);
      if (r.status === 0) expect(() => JSON.parse(r.stdout)).not.toThrow();
      for (const line of r.stderr.split('\n').filter((l) => l !== '')) {
        expect(line).toMatch(/^iofair: /);
        expect(line).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
      }
    });
  }, 120_000);
});
