import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture, runCli } from './helpers.js';

const json = (args: string[]) => {
  const r = runCli(['analyze', '--json', '-q', ...args]);
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
};
type JsonZone = Record<string, unknown> & { zone: string; latency_us: Record<string, number> };
const zone = (a: { zones: JsonZone[] }, name: string) => a.zones.find((z) => z.zone === name)!;

describe('iofair analyze --json (end to end) per new format', () => {
  it('biolatency: a histogram report, platform linux', () => {
    const a = json([fixture('linux/biolatency-default.txt')]);
    expect(a.input).toMatchObject({ format: 'biolatency', platform: 'linux', fidelity: 'histograms', skipped: 0 });
    expect(zone(a, 'all').ops).toBe(40);
    expect(zone(a, 'all').latency_us.mean).toBeCloseTo(633.6, 6);
    expect(a.policies).toEqual([]);
  });

  it('bpftrace-hist', () => {
    const a = json([fixture('linux/bpftrace-hist.txt')]);
    expect(a.input).toMatchObject({ format: 'bpftrace-hist', platform: 'linux', fidelity: 'histograms' });
    expect(zone(a, 'nvme0n1').ops).toBe(40);
  });

  it('iofair script cgroup output (v2): shares of cost.usage, io_stall_s per zone', () => {
    const a = json([fixture('linux/cgroup-script-v2.txt')]);
    expect(a.input).toMatchObject({ format: 'cgroup-iostat', platform: 'linux', fidelity: 'intervals', duration_s: 10 });
    expect(zone(a, '/system.slice/db.service').device_share).toBeCloseTo(0.6, 9);
    expect(zone(a, '/system.slice/web.service').io_stall_s).toBe(3);
    expect(zone(a, '/system.slice/web.service').io_stall_full_s).toBe(1.5);
    expect(a.devices.find((d: { device: string }) => d.device === 'sdb').busy_s).toBeCloseTo(8.5, 9);
  });

  it('iofair script cgroup output (v1) with a corrupted T line: one skip, counted by code', () => {
    const a = json([fixture('linux/cgroup-script-v1.txt')]);
    expect(a.input).toMatchObject({ format: 'cgroup-iostat', skipped: 1, skipped_by_reason: { NOT_A_NUMBER: 1 }, duration_s: 15 });
    expect(zone(a, '/docker/abc').ops).toBe(1000);
  });

  it('cgroup files pasted with /proc/diskstats as a second file: device-time estimates', () => {
    const a = json([fixture('linux/cgroup-grep-r.txt'), fixture('linux/diskstats-dated.txt')]);
    expect(a.input.format).toBe('cgroup-files+diskstats');
    const dbMs = (600 * 3000) / 700 + 200 * 16;
    expect(zone(a, '/system.slice/db.service').device_share).toBeCloseTo(dbMs / 11000, 9);
    expect(a.warnings.some((w: string) => /estimated from the device's busy time per op/.test(w))).toBe(true);
  });

  it('one snapshot of io.stat: no rates, no window, no replay', () => {
    const a = json([fixture('linux/cgroup-cat-once.txt')]);
    expect(a.input).toMatchObject({ format: 'cgroup-files', start_s: null, duration_s: null });
    expect(zone(a, '/system.slice/db.service').iops).toBeNull();
    expect(a.policies).toEqual([]);
    expect(a.verdict).toBeNull();
  });

  it('diskstats alone: devices, no zones', () => {
    const a = json([fixture('linux/diskstats-dated.txt')]);
    expect(a.input.format).toBe('diskstats');
    expect(a.zones).toEqual([]);
    expect(a.devices.find((d: { device: string }) => d.device === 'sda').utilization).toBeCloseTo(0.55, 9);
  });

  it('pidstat: shares of bytes, no replay', () => {
    const a = json([fixture('linux/pidstat-d.txt')]);
    expect(a.input).toMatchObject({ format: 'pidstat', platform: 'linux', duration_s: 4 });
    expect(zone(a, 'postgres').bytes).toBe(1536000);
    expect(zone(a, 'postgres').io_stall_s).toBeCloseTo(0.35, 9);
    expect(a.policies).toEqual([]);
    expect(a.fairness.share_basis).toBe('bytes');
    const t = runCli(['analyze', fixture('linux/pidstat-d.txt')], { env: { NO_COLOR: '1' } });
    expect(t.stdout).toMatch(/Fairness over bytes \(the input has no device time\): Jain's index/);
  });

  it('Inspektor Gadget: tenants namespace/pod/container, with --interval', () => {
    const a = json(['--interval', '2s', fixture('linux/ig-top-blockio.txt')]);
    expect(a.input).toMatchObject({ format: 'ig-blockio', platform: 'linux', duration_s: 4 });
    expect(zone(a, 'shop/db-0/postgres').ops).toBe(200);
    expect(zone(a, 'shop/db-0/postgres').iops).toBe(50);
  });

  it('DTraceToolkit iotop: platform illumos, DISKTIME shares, --zones names', () => {
    const a = json(['--zones', '3=db01,5=backup,0=global', fixture('intervals/iotop-Z-o.txt')]);
    expect(a.input).toMatchObject({ format: 'dtrace-iotop', platform: 'illumos', duration_s: 10 });
    expect(zone(a, 'backup').device_time_s).toBeCloseTo(5.5, 9);
  });

  it('pasted single reports and headerless rows are read (not "no valid record")', () => {
    for (const f of ['vfsstat-lone.txt', 'ziostat-headerless.txt', 'iostat-xn-headerless.txt', 'linux-iostat-lone.txt', 'linux-iostat-headerless.txt']) {
      const a = json([fixture(`intervals/${f}`)]);
      expect(a.input.records, f).toBeGreaterThan(0);
    }
  });
});

describe('iofair analyze: input that looks like a format but lacks its header', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'iofair-resembles-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  it('names the format it looks like (exit 3)', () => {
    const p = join(tmp, 'rows.txt');
    writeFileSync(p, ['sda', 'sdb'].map((d) => `${d} ${Array.from({ length: 17 }, (_, i) => `${i}.50`).join(' ')}`).join('\n') + '\n');
    const r = runCli(['analyze', p]);
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/rows\.txt: looks like sysstat iostat -x output \(a device name, then numbers\), but the header is missing or unknown and 17 numbers match no known layout/);
  });
});

describe('histogram input: the per-IO tracer suggested is the platform\'s', () => {
  const warnings = (path: string) => {
    const r = runCli(['analyze', '--json', fixture(path)]);
    expect(r.status, r.stderr).toBe(0);
    return (JSON.parse(r.stdout) as { warnings: string[] }).warnings.join('\n');
  };
  it('Linux biolatency: biosnoop or the bpftrace script, never DTrace', () => {
    const w = warnings('linux/biolatency-default.txt');
    expect(w).toMatch(/Trace per-IO events \(biosnoop, or iofair script bpftrace\)/);
    expect(w).not.toMatch(/dtrace/i);
  });
  it('a DTrace aggregation: the iofair D script', () => {
    expect(warnings('dtrace/agg-quantize.txt')).toMatch(/Trace per-IO events \(iofair script dtrace\)/);
  });
});
