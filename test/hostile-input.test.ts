// Hostile inputs each parser must survive in bounded time and memory, with every bad line
// counted: stray quotes, overlong lines.

import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TimeBase } from '../src/records.js';
import { createParser, formatByName, formats } from '../src/parsers/registry.js';
import { MAX_LINE_BYTES } from '../src/parsers/lines.js';
import { RecordingSink } from './dtrace-helpers.js';
import { fixturesByFormat } from './fixtures-by-format.js';
import { BIN, runCli } from './helpers.js';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { constants as zlibConstants, gunzipSync, gzipSync } from 'node:zlib';

const tmp = mkdtempSync(join(tmpdir(), 'iofair-hostile-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const fixturePath = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

/** One fixture per format, in the format's own layout (the first that sniffs as it). */
const FORMAT_FIXTURES = new Map([...fixturesByFormat()].map(([name, files]) => [name, files[0]]));

/** Parses `chunks` with the named format as the cli does (createParser), into a recording sink. */
function parse(name: string, chunks: Iterable<string>): RecordingSink {
  const sink = new RecordingSink();
  const p = createParser(formatByName(name)!, sink, { timeBase: new TimeBase() });
  for (const c of chunks) p.write(c);
  p.end();
  return sink;
}

const codes = (s: RecordingSink) => s.skips.map((k) => k.code);

describe('a stray quote in a CSV field', () => {
  const HEADER = 'issue_ns,done_ns,zone,device,op,bytes';
  const rows = (n: number) => Array.from({ length: n }, (_, i) => `${i * 1000},${i * 1000 + 500},z${i % 3},sd0,R,4096`);

  it('costs its own line, not the rest of the file (which it swallowed in quadratic time)', () => {
    const lines = [HEADER, ...rows(50_000)];
    lines[4] = '3000,3500,"z0,sd0,R,4096'; // line 5
    const s = parse('csv', [lines.join('\n') + '\n']);
    expect(s.skips).toEqual([{ line: 5, code: 'BAD_QUOTES', reason: expect.stringContaining('not closed within') }]);
    expect(s.ios.length).toBe(50_000 - 1);
  });

  it('near the end of the input: its line is skipped and the lines after it still count', () => {
    const lines = [HEADER, ...rows(10)];
    lines[8] = '7000,7500,z1,sd0,"R,4096'; // line 9 of 11
    const s = parse('csv', [lines.join('\n') + '\n']);
    expect(s.skips.map((k) => [k.line, k.code])).toEqual([[9, 'BAD_QUOTES']]);
    expect(s.ios.length).toBe(9);
  });

  it('a quoted field that really spans lines is still one record', () => {
    const s = parse('csv', [`${HEADER}\n0,10,"web\nfront",sd0,R,1\n20,30,db,sd0,W,2\n`]);
    expect(s.skips).toEqual([]);
    expect(s.ios.map((io) => io.zone)).toEqual(['web\nfront', 'db']);
  });
});

describe('overlong lines, every format', () => {
  const long = 'x'.repeat(MAX_LINE_BYTES + 10);

  it.each(formats.map((f) => f.name))('%s: a line over the limit is one LINE_TOO_LONG skip at its line number', (name) => {
    const text = readFileSync(fixturePath(FORMAT_FIXTURES.get(name)!), 'utf8');
    const lines = text.split('\n');
    // after the first third of the file, where every format is past its header
    const at = Math.max(2, Math.floor(lines.length / 3));
    const withLong = [...lines.slice(0, at), long, ...lines.slice(at)].join('\n');
    for (const chunk of [0, 65536]) {
      const chunks = chunk ? Array.from({ length: Math.ceil(withLong.length / chunk) }, (_, i) => withLong.slice(i * chunk, (i + 1) * chunk)) : [withLong];
      const s = parse(name, chunks);
      const tooLong = s.skips.filter((k) => k.code === 'LINE_TOO_LONG');
      expect(tooLong.map((k) => k.line), `chunk ${chunk}`).toEqual([at + 1]);
    }
  });

  it('a 600 MB line (past the longest string V8 allows) streams through in bounded memory', () => {
    const piece = 'y'.repeat(1 << 20);
    const before = process.memoryUsage().heapUsed;
    let peak = 0;
    const chunks = function* () {
      yield 'vfsstat header that is not one\n';
      for (let i = 0; i < 600; i++) {
        yield piece;
        if (i % 50 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed - before);
      }
      yield '\nanother line\n';
    };
    const s = parse('vfsstat', chunks());
    expect(codes(s).filter((c) => c === 'LINE_TOO_LONG').length).toBe(1);
    expect(s.skips.find((k) => k.code === 'LINE_TOO_LONG')!.line).toBe(2);
    expect(peak).toBeLessThan(64 * 1024 * 1024);
  });
});

describe('an implausible latency', () => {
  // 1 ms IOs 2 ms apart from 1718000000.5 s; record 3 completes 9 years after its issue (a
  // digit too many in a time, as a corrupt trace has)
  const rows = ['issue_ns,done_ns,zone,device,op,bytes'];
  const t0 = 1718000000500000000n;
  const nineYears = 9n * 365n * 86400n * 1_000_000_000n;
  for (let i = 0n; i < 6n; i++) {
    const issue = t0 + i * 2_000_000n;
    rows.push(`${issue},${issue + (i === 2n ? nineYears : 1_000_000n)},z${i % 2n},sd0,R,4096`);
  }
  const file = join(tmp, 'extra-digit.csv');
  writeFileSync(file, rows.join('\n') + '\n');

  it.each([['the main thread', '0'], ['the parse worker', '1']])('is skipped and counted on %s, not a crash', (_, worker) => {
    const r = runCli(['analyze', '--json', file], { env: { IOFAIR_PARSE_WORKER: worker } });
    expect(r.status).toBe(0);
    const a = JSON.parse(r.stdout);
    expect(a.input.records).toBe(5);
    expect(a.input.skipped_by_reason).toEqual({ IMPLAUSIBLE_LATENCY: 1 });
    expect(r.stderr).toMatch(/extra-digit\.csv: an IO that took [\d.]+ years, longer than --max-latency 1 h/);
  });

  it('--max-latency sets the bound; --strict makes it fatal (exit 3)', () => {
    const ok = join(tmp, 'ok.csv');
    writeFileSync(ok, 'issue_ns,done_ns,zone,device,op,bytes\n0,1000000,a,d,R,1\n0,3000000,b,d,R,1\n');
    const a = JSON.parse(runCli(['analyze', '--json', '--policy', 'none', '--max-latency', '2ms', ok]).stdout);
    expect(a.input.records).toBe(1);
    expect(a.input.skipped_by_reason).toEqual({ IMPLAUSIBLE_LATENCY: 1 });
    const strict = runCli(['analyze', '--strict', '--max-latency', '2ms', ok]);
    expect(strict.status).toBe(3);
  });
});

describe('nothing lost silently', () => {
  const dtrace = (name: string) => readFileSync(fixturePath(`dtrace/${name}`), 'utf8');

  it('dtrace-printf: a row whose TYPE is no operation at all is a counted BAD_OP; open/getattr rows are not IO, not bad', () => {
    const text = dtrace('printf-zilt10k.txt').replace('1301 2000 open 0 db01 postgres\n', '1301 2000 open 0 db01 postgres\n1302 2000 xq_zz 0 db01 postgres\n');
    const s = parse('dtrace-printf', [text]);
    expect(s.skips.filter((k) => k.code === 'BAD_OP').map((k) => k.line)).toEqual([8]);
    expect(s.warnings.some((w) => /not reads or writes were ignored: 1 getattr, 1 open/.test(w))).toBe(true);
  });

  it('dtrace-agg: a repeated distribution row costs that row (counted), not the distribution (22 ops stay 22)', () => {
    const text = dtrace('agg-quantize.txt');
    const row = text.split('\n').find((l) => /^\s+2048 \|@+\s+10\s*$/.test(l))!;
    const s = parse('dtrace-agg', [text.replace(row, `${row}\n${row}`)]);
    const web = s.hists.filter((h) => h.key === 'web01').flatMap((h) => h.buckets).reduce((n, b) => n + b.count, 0);
    expect(web).toBe(22);
    expect(s.skips.map((k) => k.code)).toContain('BAD_HISTOGRAM');
    expect(s.skips.filter((k) => k.code === 'BAD_HISTOGRAM').length).toBe(1);
  });
});

describe('sysstat JSON with a stray quote', () => {
  /** `iostat -x -t -o JSON` of n reports, one disk each, in sysstat's layout. */
  function sysstat(n: number): string[] {
    const lines = ['{"sysstat": {', '\t"hosts": [', '\t\t{', '\t\t\t"nodename": "h",', '\t\t\t"date": "06/01/2020",', '\t\t\t"statistics": ['];
    for (let i = 0; i < n; i++) {
      const t = new Date(Date.UTC(2020, 5, 1, 12, 0, i * 5)).toISOString().replace('.000Z', '+0000');
      lines.push(
        '\t\t\t\t{',
        `\t\t\t\t\t"timestamp": "${t}",`,
        '\t\t\t\t\t"disk": [',
        `\t\t\t\t\t\t{"disk_device": "sda", "r/s": ${i + 1}.00, "w/s": 2.00, "rkB/s": 4.00, "wkB/s": 8.00, "r_await": 1.00, "w_await": 2.00, "aqu-sz": 0.10, "util": 10.00}`,
        '\t\t\t\t\t]',
        i === n - 1 ? '\t\t\t\t}' : '\t\t\t\t},',
      );
    }
    lines.push('\t\t\t]', '\t\t}', '\t]', '}}');
    return lines;
  }

  it('costs the report it is in (counted); the reports after it are read', () => {
    const lines = sysstat(100);
    const at = lines.findIndex((l) => l.includes('"r/s": 6.00'));
    lines[at] = lines[at].replace('"sda"', '"s"da"');
    const s = parse('iostat-json', [lines.join('\n') + '\n']);
    expect(s.skips.map((k) => [k.line, k.code])).toEqual([[at - 2, 'BAD_JSON']]);
    // 100 reports, the first (since boot) dropped, report 6 skipped
    expect(s.intervals).toBe(98);
  });

  it('a stray quote on the line that opens a report: that report is skipped, the rest read', () => {
    const lines = sysstat(20);
    const at = lines.findIndex((l) => l.includes('12:00:50'));
    lines[at - 1] = '\t\t\t\t{"';
    const s = parse('iostat-json', [lines.join('\n') + '\n']);
    expect(s.skips.map((k) => k.code)).toEqual(['BAD_JSON']);
    expect(s.intervals).toBe(18);
  });

  it('an element cut off by the end of the input is counted (TRUNCATED)', () => {
    const lines = sysstat(5);
    const s = parse('iostat-json', [lines.slice(0, lines.length - 8).join('\n') + '\n']);
    expect(s.skips.map((k) => k.code)).toEqual(['TRUNCATED']);
    expect(s.intervals).toBe(3);
  });
});

describe('damaged input keeps what it can', () => {
  const rows = ['issue_ns,done_ns,zone,device,op,bytes'];
  for (let i = 0; i < 20000; i++) rows.push(`${i * 1000},${i * 1000 + 1 + ((i * 7919) % 999)},z${i % 7},sd${i % 3},R,${1 + ((i * 104729) % 9999)}`);
  const text = rows.join('\n') + '\n';

  it('a truncated .gz: its complete records are read, the cut line counted, a warning says so, partial', () => {
    const gz = gzipSync(text);
    const cut = gz.subarray(0, gz.length >> 1);
    const file = join(tmp, 'cut.csv.gz');
    writeFileSync(file, cut);
    // what zlib can give back from the cut file, independently of iofair's reader
    const got = gunzipSync(cut, { finishFlush: zlibConstants.Z_SYNC_FLUSH }).toString();
    const complete = got.slice(0, got.lastIndexOf('\n')).split('\n').length - 1; // minus the header
    const r = runCli(['analyze', '--json', '--policy', 'none', file]);
    expect(r.status).toBe(0);
    const a = JSON.parse(r.stdout);
    expect(a.input.records).toBe(complete);
    expect(a.input.skipped_by_reason).toEqual({ TRUNCATED: 1 });
    expect(a.input.partial).toBe(true);
    expect(a.warnings.some((w: string) => /gzip data ends early/.test(w))).toBe(true);
  });

  it('a corrupt .gz: what decompressed before the damage is read, with a warning that it may be wrong', () => {
    const gz = Buffer.from(gzipSync(text));
    for (let i = gz.length >> 1; i < (gz.length >> 1) + 64; i++) gz[i] ^= 0x5a;
    const file = join(tmp, 'corrupt.csv.gz');
    writeFileSync(file, gz);
    const r = runCli(['analyze', '--json', '--policy', 'none', file]);
    expect(r.status).toBe(0);
    const a = JSON.parse(r.stdout);
    expect(a.input.records).toBeGreaterThan(0);
    expect(a.input.partial).toBe(true);
    expect(a.warnings.some((w: string) => /gzip data is corrupt .* may be wrong/.test(w))).toBe(true);
  });

  it('a NUL byte costs its line (NUL_BYTE), in a small file as in a big one, in CSV as in text formats', () => {
    const withNul = rows.slice(0, 200);
    withNul[100] = withNul[100].replace(',z', ',\0z');
    const file = join(tmp, 'nul.csv');
    writeFileSync(file, withNul.join('\n') + '\n');
    for (const worker of ['0', '1']) {
      const r = runCli(['analyze', '--json', '--policy', 'none', file], { env: { IOFAIR_PARSE_WORKER: worker } });
      expect(r.status).toBe(0);
      const a = JSON.parse(r.stdout);
      expect(a.input.records).toBe(198);
      expect(a.input.skipped_by_reason).toEqual({ NUL_BYTE: 1 });
    }
    const vfs = readFileSync(fixturePath('intervals/vfsstat-Z.txt'), 'utf8').split('\n');
    const clean = parse('vfsstat', [vfs.join('\n')]);
    vfs[6] = vfs[6].replace(' ', ' \0');
    const s = parse('vfsstat', [vfs.join('\n')]);
    expect(s.skips.filter((k) => k.code === 'NUL_BYTE').map((k) => k.line)).toEqual([7]);
    expect(s.intervals).toBe(clean.intervals - 1);
  });
});

describe('many bad lines on the parse worker', () => {
  it('are counted exactly by code, in memory that does not grow with them', () => {
    const file = join(tmp, 'bad-lines.csv');
    writeFileSync(file, 'issue_ns,done_ns,zone,device,op,bytes\n0,10,z,d,R,1\n' + 'x\n'.repeat(600_000) + '20,30,z,d,W,1\n' + '1,2\n'.repeat(100_000));
    const time = '/usr/bin/time';
    const r = spawnSync(existsSync(time) ? time : process.execPath, [...(existsSync(time) ? ['-f', 'peak %M KB', process.execPath] : []), BIN, 'analyze', '--json', '--policy', 'none', file], {
      encoding: 'utf8',
      env: { ...process.env, IOFAIR_PARSE_WORKER: '1' },
      maxBuffer: 1 << 24,
    });
    expect(r.status).toBe(0);
    const a = JSON.parse(r.stdout);
    expect(a.input.records).toBe(2);
    expect(a.input.skipped_by_reason).toEqual({ FIELD_COUNT: 700_000 });
    expect(r.stderr).toMatch(/bad-lines\.csv:3: expected 6 fields, found 1; line skipped/);
    // every bad line's event was held until 4096 good records came: ~400 MB for these
    const peak = /peak (\d+) KB/.exec(r.stderr);
    if (peak) expect(Number(peak[1])).toBeLessThan(200 * 1024);
  });
});
