import { describe, it, expect } from 'vitest';
import { TimeBase } from '../src/records.js';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { iofairBpftraceFormat, unifiedPath } from '../src/parsers/iofair-bpftrace.js';
import { bpftraceScript } from '../src/scripts/bpftrace.js';
import { sniffFormat } from '../src/parsers/registry.js';
import { tenantName } from '../src/parsers/linux-tenant.js';
import { linuxFixture, runLinux, rows } from './linux-tracer-helpers.js';

const us = 1e3;
const POD = '0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b';

describe('iofair-bpftrace output', () => {
  it('is sniffed as itself', () => {
    expect(sniffFormat(linuxFixture('iofair-bpftrace.txt').split('\n'))?.name).toBe('iofair-bpftrace');
  });

  it('names zones by cgroup, holds an IO until its cgroup line arrives, groups the root and no cgroup as kernel', () => {
    const { sink, tb } = runLinux(iofairBpftraceFormat, linuxFixture('iofair-bpftrace.txt'), { timeBase: new TimeBase() });
    expect(tb.baseNs).toBe(1000000000000000n); // nsecs of the first IO (11.6 days of uptime)
    expect(rows(sink)).toEqual([
      ['nginx.service', '259:0', 'W', 4096, 0, 500 * us],
      // printed before its cgroup's line (another CPU's buffer), held, then named: in order
      [`pod ${POD}/3b8f1e2d4c5a`, '259:0', 'R', 16384, 600 * us, 1600 * us],
      [`pod ${POD}/3b8f1e2d4c5a`, '259:0', 'R', 16384, 1000 * us, 2000 * us],
      ['kernel', '259:0', 'W', 65536, 2000 * us, 2100 * us], // root cgroup (kworker writeback)
      ['kernel', '259:0', 'W', 0, 2200 * us, 3200 * us], // FF flush, cgroup id 0
      ['cgroup:9999', '8:0', 'W', 8192, 3000 * us, 3250 * us], // removed before it was resolved
      ['docker:4f2a9c8e7d6b', '8:0', 'W', 0, 4000 * us, 4400 * us], // a discard
    ]);
    expect(sink.kinds).toEqual(new Map([['kernel', 'kernel']]));
    expect(sink.skips.map((s) => [s.line, s.code])).toEqual([
      [15, 'DONE_BEFORE_ISSUE'],
      [16, 'NOT_A_NUMBER'],
      [17, 'BAD_ROW'],
    ]);
    expect(sink.lostTotal).toBe(2);
    expect(sink.warnings.some((w) => /cgroup id\(s\) 9999 had no path/.test(w))).toBe(true);
    expect(sink.warnings.some((w) => /2 IO\(s\) charged to the root cgroup or to no cgroup/.test(w))).toBe(true);
    expect(sink.warnings.some((w) => /names the task/.test(w))).toBe(false);
  });

  it('--zone-from comm names zones by process', () => {
    const { sink } = runLinux(iofairBpftraceFormat, linuxFixture('iofair-bpftrace.txt'), { zoneFrom: 'comm' });
    expect(sink.ios.map((e) => e.zone)).toEqual(['nginx', 'postgres', 'postgres', 'kernel', 'etcd', 'short lived', 'fstrim']);
    expect(sink.warnings.some((w) => /without --zone-from, zones are the cgroups/.test(w))).toBe(true);
  });

  it('warns when the end line is missing (bpftrace killed before END)', () => {
    const text = linuxFixture('iofair-bpftrace.txt').replace('# iofair-bpftrace end\n', '');
    expect(runLinux(iofairBpftraceFormat, text).sink.warnings.some((w) => /no "# iofair-bpftrace end" line/.test(w))).toBe(true);
  });

  it('refuses an unknown header version and records before a header', () => {
    const { sink } = runLinux(iofairBpftraceFormat, '1\t2\t8:0\tR\t512\t0\t1\tx\n# iofair-bpftrace v2 fields=a\n');
    expect(sink.skips.map((s) => s.code)).toEqual(['NO_HEADER', 'BAD_HEADER']);
  });

  it('holds a record at most 5 s of trace time for its cgroup line', () => {
    const H = '# iofair-bpftrace v1 fields=issue_ns,done_ns,dev,rwbs,bytes,cgroup_id,pid,comm';
    const text = [H, '0\t1000000\t8:0\tR\t512\t7\t1\ta', '6000000000\t7000000000\t8:0\tR\t512\t0\t1\tb', '# iofair-cgroup\t7\tunified:/system.slice/x.service', '7000000000\t7100000000\t8:0\tR\t512\t7\t1\ta', ''].join('\n');
    const { sink } = runLinux(iofairBpftraceFormat, text);
    expect(sink.ios.map((e) => e.zone)).toEqual(['cgroup:7', 'kernel', 'x.service']);
    expect(sink.warnings.some((w) => /cgroup id\(s\) 7 had no path/.test(w))).toBe(true);
  });

  it("reads bpftrace's cgroup_path output", () => {
    expect(unifiedPath('unified:/system.slice/a.service')).toBe('/system.slice/a.service');
    expect(unifiedPath('unified:/,cpu:/x')).toBe('/');
    expect(unifiedPath('')).toBe('');
  });

  it('property: random IOs, with cgroup lines delayed by up to a few records, round-trip in order', () => {
    const PATHS = ['/system.slice/nginx.service', '/system.slice/postgresql.service', `/kubepods/burstable/pod${POD}/${'ab'.repeat(32)}`, '/'];
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            issue: fc.integer({ min: 0, max: 1e9 }), // within the 5 s a record waits for its cgroup line
            lat: fc.integer({ min: 0, max: 1e9 }),
            cg: fc.integer({ min: 0, max: PATHS.length }), // 0: no cgroup; k: PATHS[k - 1], id 100 + k
            bytes: fc.integer({ min: 0, max: 2 ** 24 }),
            rwbs: fc.constantFrom('R', 'W', 'WS', 'RA'),
            comm: fc.constantFrom('nginx', 'postgres', 'a b'),
          }),
          { minLength: 1, maxLength: 30 },
        ),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: PATHS.length, maxLength: PATHS.length }),
        (ios, delays) => {
          const lines = ['# iofair-bpftrace v1 fields=issue_ns,done_ns,dev,rwbs,bytes,cgroup_id,pid,comm'];
          const pendingMaps: [number, string][] = []; // [records to wait, line]
          const seen = new Set<number>();
          for (const io of ios) {
            if (io.cg > 0 && !seen.has(io.cg)) {
              seen.add(io.cg);
              pendingMaps.push([delays[io.cg - 1], `# iofair-cgroup\t${100 + io.cg}\tunified:${PATHS[io.cg - 1]}`]);
            }
            // a cgroup line may arrive a few records after the first IO of its cgroup
            for (const p of pendingMaps) if (p[0]-- === 0) lines.push(p[1]);
            lines.push([io.issue, io.issue + io.lat, '8:0', io.rwbs, io.bytes, io.cg === 0 ? 0 : 100 + io.cg, 1, io.comm].join('\t'));
          }
          for (const p of pendingMaps) if (p[0] >= 0) lines.push(p[1]);
          lines.push('# iofair-bpftrace end');
          const { sink } = runLinux(iofairBpftraceFormat, lines.join('\n') + '\n');
          expect(sink.skips).toEqual([]);
          expect(rows(sink)).toEqual(
            ios.map((io) => [
              io.cg === 0 || PATHS[io.cg - 1] === '/' ? 'kernel' : tenantName(PATHS[io.cg - 1]),
              '8:0',
              io.rwbs.startsWith('R') ? 'R' : 'W',
              io.bytes,
              io.issue,
              io.issue + io.lat,
            ]),
          );
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('iofair script bpftrace', () => {
  const program = bpftraceScript.render({});

  it('states what it needs and prints the header the parser requires', () => {
    expect(program).toMatch(/Linux 5\.5 or newer with BTF/);
    expect(program).toMatch(/bpftrace 0\.15 or newer/);
    expect(program).toContain('printf("# iofair-bpftrace v1 fields=issue_ns,done_ns,dev,rwbs,bytes,cgroup_id,pid,comm\\n");');
    expect(program).toContain('cgroup_path($cg, "unified")');
  });

  it('its record printf, filled in, is read back by the parser', () => {
    const fmt = /printf\("(%llu\\t%llu[^"]*)"/.exec(program)![1];
    const values = ['1000', '251000', '259', '0', 'WS', '4096', '42', '77', 'my app'];
    let i = 0;
    const rendered = fmt.replace(/%(llu|d|u|s)/g, () => values[i++]).replace(/\\t/g, '\t').replace(/\\n/g, '\n');
    expect(i).toBe(values.length);
    const text = `# iofair-bpftrace v1 fields=issue_ns,done_ns,dev,rwbs,bytes,cgroup_id,pid,comm\n# iofair-cgroup\t42\tunified:/system.slice/app.service\n${rendered}# iofair-bpftrace end\n`;
    expect(rows(runLinux(iofairBpftraceFormat, text).sink)).toEqual([['app.service', '259:0', 'W', 4096, 1000, 251000]]);
  });

  const bpftrace = spawnSync('bpftrace', ['--version'], { encoding: 'utf8' });
  /** ERROR lines of `bpftrace -d` (a dry run: parse, semantic checks, codegen; no probe attached). */
  function dryRunErrors(text: string): string[] {
    const dir = mkdtempSync(join(tmpdir(), 'iofair-bt-'));
    try {
      const file = join(dir, 'iofair.bt');
      writeFileSync(file, text);
      const r = spawnSync('bpftrace', ['-d', file], { encoding: 'utf8', timeout: 120000, maxBuffer: 64 << 20 });
      // sandboxes have no memlock rlimit to raise: not an error in the program
      return (r.stderr + r.stdout).split('\n').filter((l) => /ERROR/.test(l) && !/RLIMIT_MEMLOCK/.test(l));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it.skipIf(bpftrace.status !== 0)("passes bpftrace's own parser and semantic checks (bpftrace -d, a dry run)", () => {
    if (existsSync('/sys/kernel/tracing/events/block')) {
      expect(dryRunErrors(program)).toEqual([]);
      return;
    }
    // Without tracefs bpftrace cannot resolve tracepoints: the whole program must still parse
    // (syntax errors come first), and the rest, without the tracepoint blocks, must pass every
    // check (but for the maps only those blocks define)
    expect(dryRunErrors(program).filter((l) => !/tracepoint not found: block:block_rq_(issue|complete)/.test(l))).toEqual([]);
    const tracepoints = /^tracepoint:[^\n]*\n\{[\s\S]*?\n\}\n/gm;
    const removed = (program.match(tracepoints) ?? []).join('');
    expect(removed).toMatch(/block_rq_issue[\s\S]*block_rq_complete/);
    const errors = dryRunErrors(program.replace(tracepoints, ''));
    expect(errors.filter((l) => !(/Undefined map: (@\w+)/.test(l) && removed.includes(/Undefined map: (@\w+)/.exec(l)![1])))).toEqual([]);
  });
});
