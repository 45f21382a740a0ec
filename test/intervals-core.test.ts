import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IntervalAnalyzer } from '../src/core/intervals.js';
import { parseCapSpec } from '../src/cli/replay-options.js';
import { DEFAULT_THROTTLE, type ThrottleTunables } from '../src/core/replay/index.js';
import { rampMean } from '../src/core/fluid.js';
import type { IntervalSample } from '../src/records.js';
import { vfsstatFormat } from '../src/parsers/vfsstat.js';
import { ziostatFormat } from '../src/parsers/ziostat.js';
import { iostatIllumosFormat } from '../src/parsers/iostat-illumos.js';
import { cgroupIostatFormat } from '../src/parsers/cgroup-iostat.js';
import { cgroupScript } from '../src/scripts/cgroup.js';
import { parse, readFixture, byName } from './intervals-helpers.js';

const equal = () => 1;

function analyze(
  samples: IntervalSample[],
  policies: string[] = [],
  weights: (z: string) => number = equal,
  cap = 'auto',
  throttle: Partial<ThrottleTunables> = {},
) {
  const a = new IntervalAnalyzer();
  for (const s of samples) a.add(s);
  return a.finish({ weights, policies, replay: { cap: parseCapSpec(cap), throttle: { ...DEFAULT_THROTTLE, ...throttle } } });
}

function zs(name: string, startS: number, ops: number, latMs?: number, extra: Partial<IntervalSample> = {}): IntervalSample {
  return {
    kind: 'zone', name, startNs: startS * 1e9, durationNs: 1e9, readOps: ops, writeOps: 0, readBytes: ops * 4096, writeBytes: 0,
    avgLatencyNs: latMs === undefined ? undefined : latMs * 1e6, ...extra,
  };
}

describe('IntervalAnalyzer: zones', () => {
  it('vfsstat -Z: per-zone totals and throttle footprint equal hand sums', () => {
    const r = analyze(parse(vfsstatFormat, readFixture('vfsstat-Z.txt')).samples);
    const web = r.zones.find((z) => z.zone === 'webfront')!;
    expect(web.ops).toBeCloseTo(250, 9);
    expect(web.bytes).toBeCloseTo(7200 * 1024, 6);
    // span: 2 reports of 1 s
    expect(web.iops).toBeCloseTo(125, 9);
    // (100×200 + 50×1000 + 50×100 + 50×300) µs / 250 ops = 360 µs
    expect(web.latency_us.mean).toBeCloseTo(360, 9);
    // device-time estimate = Σ ops × latency = 90 000 µs
    expect(web.device_time_s).toBeCloseTo(0.09, 9);
    expect(web.throttle_delayed_share).toBeCloseTo(10 / 250, 12);
    expect(web.throttle_mean_delay_us).toBeCloseTo(50, 9);
    const db = r.zones.find((z) => z.zone === 'db01')!;
    // (12640.2×100 + 1000×150 + 100×400) µs
    expect(db.device_time_s).toBeCloseTo(1.45402, 9);
    expect(db.throttle_mean_delay_us).toBeCloseTo(100, 9);
    // throttled intervals always had another non-global zone active: no lone-zone warning
    expect(r.warnings.some((w) => /only non-global zone/.test(w))).toBe(false);
    // shares sum to 1, deviations to 0
    const shares = r.zones.reduce((s, z) => s + (z.device_share ?? 0), 0);
    const devs = r.zones.reduce((s, z) => s + (z.deviation ?? 0), 0);
    expect(shares).toBeCloseTo(1, 12);
    expect(devs).toBeCloseTo(0, 12);
  });

  it('ziostat: device time from asvc_t, shares vs fair share, Jain', () => {
    const r = analyze(parse(ziostatFormat, readFixture('ziostat-Z.txt')).samples);
    const a = r.zones.find((z) => z.zone === 'a28faa4d')!;
    const g = r.zones.find((z) => z.zone === 'global')!;
    // a28faa4d: 200×8 ms + 100×10 ms; global: 10×4 ms (absent in the 2nd kept report)
    expect(a.device_time_s).toBeCloseTo(2.6, 12);
    expect(g.device_time_s).toBeCloseTo(0.04, 12);
    expect(a.latency_us.mean).toBeCloseTo(10_000, 9); // (200×10 + 100×10)/300 ms
    const total = 2.64;
    // fair: report 1 split in halves (1.64/2 each), report 2 all a28faa4d's (only it was active)
    const fairA = 1.64 / 2 + 1.0;
    const fairG = 1.64 / 2;
    expect(a.device_share).toBeCloseTo(2.6 / total, 12);
    expect(a.fair_share).toBeCloseTo(fairA / total, 12);
    expect(a.deviation).toBeCloseTo((2.6 - fairA) / total, 12);
    const xa = 2.6 / fairA;
    const xg = 0.04 / fairG;
    expect(r.fairness.jain).toBeCloseTo((xa + xg) ** 2 / (2 * (xa * xa + xg * xg)), 12);
    expect(r.fairness.min_max_ratio).toBeCloseTo(xg / xa, 12);
  });

  it('weights move the fair share; an active zone counts as backlogged for its interval', () => {
    // interval 0: A 100 ops, B 300 ops; interval 1: A 200 ops; 1 ms each
    const s = [zs('A', 0, 100, 1), zs('B', 0, 300, 1), zs('A', 1, 200, 1)];
    const eq = analyze(s);
    const A = eq.zones.find((z) => z.zone === 'A')!;
    // actual A 0.3 s of 0.6; fair A = 0.4/2 + 0.2 = 0.4 of 0.6
    expect(A.device_share).toBeCloseTo(0.5, 12);
    expect(A.fair_share).toBeCloseTo(0.4 / 0.6, 12);
    const w = analyze(s, [], (z) => (z === 'B' ? 3 : 1));
    // weights 1:3: interval 0 fair A = 0.4 × 1/4 = 0.1, + 0.2 = 0.3 = actual
    expect(w.zones.find((z) => z.zone === 'A')!.deviation).toBeCloseTo(0, 12);
    expect(w.zones.find((z) => z.zone === 'B')!.deviation).toBeCloseTo(0, 12);
  });

  it('no latency (io.stat): shares by ops, device time null, and a warning', () => {
    const r = analyze(parse(cgroupIostatFormat, readFixture('cgroup-iostat.txt')).samples);
    const db = r.zones.find((z) => z.zone === '/system.slice/db.service')!;
    expect(db.ops).toBe(530);
    expect(db.device_time_s).toBeNull();
    // every op is charged once: root's deltas on 8:0 (300+200, then 200+100) plus web's 1 op on 259:0
    expect(db.device_share).toBeCloseTo(530 / (500 + 300 + 1), 12);
    expect(r.warnings.some((w) => /shares of ops, not of device time/.test(w))).toBe(true);
  });
});

describe('IntervalAnalyzer: throttle warnings', () => {
  it('a lone throttled zone (vfsstat without -Z, smartos-live#160) produces the warning', () => {
    const r = analyze(parse(vfsstatFormat, readFixture('vfsstat-M.txt')).samples);
    const w = r.warnings.filter((x) => /ba1f8d92: the ZFS throttle delayed 20589 ops in 2 interval\(s\) where it was the only non-global zone/.test(x));
    expect(w.length).toBe(1);
  });

  it('the global zone does not count as a competitor; a calm disk is reported', () => {
    const s = [
      zs('global', 0, 500, 0.1),
      zs('web', 0, 100, 1, { throttledOps: 40, throttleDelayNs: 100_000 }),
      { kind: 'device', name: 'sd0', startNs: 0, durationNs: 1e9, readOps: 600, writeOps: 0, readBytes: 0, writeBytes: 0, utilization: 0.3 } as IntervalSample,
    ];
    const r = analyze(s);
    expect(r.warnings.some((w) => /zone web: .*delayed 40 ops in 1 interval\(s\) where it was the only non-global zone/.test(w))).toBe(true);
    expect(r.warnings.some((w) => /zone web: .*while the disk was under 60 % busy/.test(w))).toBe(true);
    // the calm threshold is --throttle-calm's: the disk was 30 % busy
    expect(analyze(s, [], equal, 'auto', { calmPct: 40 }).warnings.some((w) => /zone web: .*while the disk was under 40 % busy/.test(w))).toBe(true);
    expect(analyze(s, [], equal, 'auto', { calmPct: 20 }).warnings.some((w) => /while the disk was under/.test(w))).toBe(false);
  });
});

describe('IntervalAnalyzer: devices', () => {
  it('illumos iostat: ops, busy time and capacity per busy second', () => {
    const r = analyze(parse(iostatIllumosFormat, readFixture('iostat-illumos-xnz-Tu.txt')).samples);
    const d = r.devices.find((x) => x.device === 'c0t0d0')!;
    expect(d.ops).toBeCloseTo(7750, 9);
    // busy = 0.9×5 + 0.1×5 + 1.0×5
    expect(d.busy_s).toBeCloseTo(10, 9);
    expect(d.utilization).toBeCloseTo(10 / 15, 12);
    // busy intervals (≥ 50 %): 2500 ops / 4.5 s, 5000 ops / 5 s
    expect(d.capacity_iops.min).toBeCloseTo(2500 / 4.5, 9);
    expect(d.capacity_iops.max).toBeCloseTo(1000, 9);
    expect(d.capacity_iops.p50).toBeCloseTo((2500 / 4.5 + 1000) / 2, 9);
    expect(d.capacity_ratio).toBeCloseTo(1000 / (2500 / 4.5), 9);
    // bytes per busy second: (1600+12800) KiB/s × 5 s ÷ 4.5 s beats 4000 KiB/s × 5 s ÷ 5 s
    expect(d.capacity_bytes_per_s.max).toBeCloseTo((14400 * 1024 * 5) / 4.5, 6);
    expect(d.capacity_bytes_per_s.min).toBeCloseTo(4000 * 1024, 6);
    expect(d.busy_seconds).toBe(10);
    expect(r.zones).toEqual([]);
  });
});

describe('fluid replay', () => {
  it('a cap below demand loses exactly the capped excess, carried over intervals', () => {
    // zone A: 100, 100, 0 ops in three 1 s intervals; capacity = median delivered rate 100/s; cap
    // 60 IOPS with the default 100 ms burst: a bucket of 6 ops, full at the start
    const s = [zs('A', 0, 100, 1), zs('A', 1, 100, 1), zs('A', 2, 0, 1)];
    const r = analyze(s, ['fifo', 'cap', 'fair'], equal, '60iops');
    const fifo = r.policies.find((p) => p.policy === 'fifo')!;
    const cap = r.policies.find((p) => p.policy === 'cap')!;
    const fair = r.policies.find((p) => p.policy === 'fair')!;
    expect(fifo.throughput_loss).toBe(0);
    expect(fifo.makespan_s).toBeCloseTo(3, 12);
    expect(fair.throughput_loss).toBe(0);
    // served 6 + 60, then 60 (the bucket is empty), then 60 of 200 within the span: backlog 34 → 74 → 14
    expect(cap.zones[0].ops_completed).toBeCloseTo(186, 9);
    expect(cap.throughput_loss).toBeCloseTo(14 / 200, 12);
    // the device sat idle 34 %, 40 %, 40 % of the intervals while capped work waited
    expect(cap.idle_while_waiting_s).toBeCloseTo(0.34 + 0.4 + 0.4, 9);
    // the last 14 ops drain at 60/s after the span
    expect(cap.makespan_s).toBeCloseTo(3 + 14 / 60, 9);
    // backlog area: (0+34)/2 + (34+74)/2 + (74+14)/2 + 14·(14/60)/2 op·s; ÷ 200 ops = added delay
    const added = (17 + 54 + 44 + (14 * 14) / 60 / 2) / 200;
    expect(cap.zones[0].latency_us.mean).toBeCloseTo((1e-3 + added) * 1e6, 6);
    expect(cap.zones[0].slowdown).toBeCloseTo((1e-3 + added) / 1e-3, 6);
    expect(cap.loop).toBe('open');
    expect(cap.params.fidelity).toBe('intervals');
  });

  it('a backlog far beyond the span drains to its end: 10^6 ops behind a 1 IOPS cap take 10^6 s', () => {
    const s = [zs('A', 0, 1e6, 1)];
    const cap = analyze(s, ['cap'], equal, '1iops').policies[0];
    // within the 1 s interval: a full bucket (at least one op) and 1 op; the other 999,998 ops at
    // 1 op/s after it
    expect(cap.zones[0].ops_completed).toBeCloseTo(2, 9);
    expect(cap.makespan_s).toBeCloseTo(1 + (1e6 - 2), 3);
    // the backlog falls linearly from 999,998 to 0 after the span: its area is half a square
    const tail = 1e6 - 2;
    const area = (0 + tail) / 2 + (tail * tail) / 2;
    expect(cap.zones[0].latency_us.mean! / 1e6).toBeCloseTo(1e-3 + area / 1e6, 0);
  });

  it('a per-zone cap costs only that zone\'s excess', () => {
    const s = [0, 1, 2].flatMap((t) => [zs('A', t, t < 2 ? 100 : 0, 1), zs('B', t, 50, 1)]);
    const r = analyze(s, ['cap'], equal, 'A=60iops');
    const cap = r.policies[0];
    // B is never capped and capacity (median 150/s) suffices: A is served 66, 60, 60 and only its
    // final backlog of 14 is lost
    expect(cap.throughput_loss).toBeCloseTo(14 / 350, 12);
    expect(cap.zones.find((z) => z.zone === 'B')!.ops_completed).toBeCloseTo(150, 9);
    expect(cap.zones.find((z) => z.zone === 'B')!.slowdown).toBeCloseTo(1, 12);
  });

  it('cap auto = weight share of the median delivered rate', () => {
    // delivered 200/s every interval, A 150 + B 50; weights equal → each capped at 100/s, bucket 10
    const s = [0, 1].flatMap((t) => [zs('A', t, 150, 1), zs('B', t, 50, 1)]);
    const r = analyze(s, ['cap'], equal);
    // A is served 10 + 100, then 100: 90 left at the end of the span, of 400 ops in all
    expect(r.policies[0].throughput_loss).toBeCloseTo(90 / 400, 12);
    // weights 3:1 → A 150/s, B 50/s: A is served 15 + 150 ≥ 150 and 150; nothing is lost
    const w = analyze(s, ['cap'], (z) => (z === 'A' ? 3 : 1));
    expect(w.policies[0].throughput_loss).toBeCloseTo(0, 12);
  });

  it('the throttle approximation delays only the over-share zone, is stated, and loses nothing', () => {
    const s = [zs('A', 0, 300, 1), zs('B', 0, 100, 1)];
    const r = analyze(s, ['throttle']);
    const t = r.policies[0];
    expect(t.throughput_loss).toBe(0);
    // A took 3/4 of device time against a fair 1/2: its delay rises 5 µs per 250 ms, 0 → 20 µs
    // over the 1 s interval, 10 µs on average
    expect(t.zones.find((z) => z.zone === 'A')!.latency_us.mean).toBeCloseTo(1000 + 10, 9);
    expect(t.zones.find((z) => z.zone === 'B')!.latency_us.mean).toBeCloseTo(1000, 9);
    expect(r.warnings.some((w) => /throttle \(fluid approximation\)/.test(w))).toBe(true);
    expect(t.params).toMatchObject({ delay_step_us: 5, delay_ceiling_us: 100, adjust_ms: 250, busy_pct: 80, calm_pct: 60 });
  });
});

describe('fluid cap: properties over random interval inputs', () => {
  it('a capped zone completes at most rate × span + burst and never more than it asked; a cap that never binds is fifo', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.integer({ min: 0, max: 800 }), { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 500 }),
        fc.constantFrom('10ms', '100ms', '1s'),
        (rows, rate, burst) => {
          const names = ['A', 'B', 'C'];
          const s = rows.flatMap((row, t) => row.map((ops, z) => zs(names[z], t, ops, 1)));
          const burstS = burst === '10ms' ? 0.01 : burst === '100ms' ? 0.1 : 1;
          const a = new IntervalAnalyzer();
          for (const x of s) a.add(x);
          const r = a.finish({ weights: equal, policies: ['fifo', 'cap'], replay: { cap: parseCapSpec(`A=${rate}iops`, burstS), throttle: DEFAULT_THROTTLE } });
          if (r.policies.length === 0) return true; // no IO at all
          const cap = r.policies.find((p) => p.policy === 'cap')!;
          const fifo = r.policies.find((p) => p.policy === 'fifo')!;
          const demand = (z: number) => rows.reduce((x, row) => x + row[z], 0);
          const served = (p: typeof cap, name: string) => p.zones.find((z) => z.zone === name)?.ops_completed ?? 0;
          const eps = 1e-6;
          if (served(cap, 'A') > rate * rows.length + Math.max(1, rate * burstS) + eps) return false;
          for (const [z, name] of names.entries()) if (served(cap, name) > demand(z) + eps) return false;
          if (!(cap.throughput_loss! >= 0 && cap.throughput_loss! <= 1)) return false;
          // a limit above anything a zone does in an interval plus its burst: exactly fifo
          const b = new IntervalAnalyzer();
          for (const x of s) b.add(x);
          const loose = b.finish({ weights: equal, policies: ['fifo', 'cap'], replay: { cap: parseCapSpec('1000000iops'), throttle: DEFAULT_THROTTLE } });
          const lc = loose.policies.find((p) => p.policy === 'cap')!;
          return names.every((n) => Math.abs(served(lc, n) - served(fifo, n)) < eps) && lc.throughput_loss === 0;
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('fluid throttle: the same tunables as the event replay', () => {
  // A 300 and B 100 ops of 1 ms in each of three 1 s intervals: A takes 3/4 of the device time
  // against a fair 1/2, B 1/4; without a device tool the utilisation is unknown (taken as busy)
  const s = [0, 1, 2].flatMap((t) => [zs('A', t, 300, 1), zs('B', t, 100, 1)]);
  const meanOf = (r: ReturnType<typeof analyze>, zone: string) => r.policies[0].zones.find((z) => z.zone === zone)!.latency_us.mean!;
  const aAdded = (t: Partial<ThrottleTunables>, samples = s) => meanOf(analyze(samples, ['throttle'], equal, 'auto', t), 'A') - 1000;

  it('the delay rises by the step per adjust period up to the ceiling; each op pays its interval\'s mean', () => {
    // defaults: +20 µs per interval: means 10, 30, 50 µs
    expect(aAdded({})).toBeCloseTo((10 + 30 + 50) / 3, 9);
    expect(meanOf(analyze(s, ['throttle']), 'B')).toBeCloseTo(1000, 9);
    // ceiling 25 µs: 0→20 (10), 20→25 in the first quarter then 25 (0.25·22.5 + 0.75·25), 25
    expect(aAdded({ delayCeilingNs: 25e3 })).toBeCloseTo((10 + 24.375 + 25) / 3, 9);
    // step 10 µs: +40 per interval: 0→40 (20), 40→80 (60), 80→100 at half (0.5·90 + 0.5·100)
    expect(aAdded({ delayStepNs: 10e3 })).toBeCloseTo((20 + 60 + 95) / 3, 9);
    // adjust 500 ms: +10 per interval: 5, 15, 25
    expect(aAdded({ adjustNs: 500e6 })).toBeCloseTo(15, 9);
  });

  it('steps up only over --throttle-busy, down only under --throttle-calm (zfs_zone.c hysteresis)', () => {
    const util = (u: number[]) => u.map((x, t): IntervalSample => ({
      kind: 'device', name: 'sd0', startNs: t * 1e9, durationNs: 1e9, readOps: 400, writeOps: 0, readBytes: 400 * 4096, writeBytes: 0, utilization: x,
    }));
    const at70 = [...s, ...util([0.7, 0.7, 0.7])];
    expect(aAdded({}, at70)).toBeCloseTo(0, 9); // 70 % is not over 80 %
    expect(aAdded({ busyPct: 65, calmPct: 60 }, at70)).toBeCloseTo(30, 9); // over 65 %: as if unknown
    // 90 % then 70 %: up to 20 µs, then held between calm (60 %) and busy (80 %): 10, 20, 20
    const down = [...s, ...util([0.9, 0.7, 0.7])];
    expect(aAdded({}, down)).toBeCloseTo((10 + 20 + 20) / 3, 9);
    // calm 75 %: 70 % is calm, so the delay falls as fast as it rose: 10, 10, 0
    expect(aAdded({ calmPct: 75 }, down)).toBeCloseTo((10 + 10 + 0) / 3, 9);
  });

  it('ignores the tunables it cannot see at interval fidelity', () => {
    const base = analyze(s, ['throttle']).policies[0].zones;
    for (const t of [{ slowNs: 1e9 }, { recentNs: 1e6 }, { ancientNs: 1e9 }, { cycleNs: 10e9 }, { sysAvgCycleNs: 10e9 }, { schedThresh: 0 }])
      expect(analyze(s, ['throttle'], equal, 'auto', t).policies[0].zones, JSON.stringify(t)).toEqual(base);
  });

  it('rampMean: the mean of a clamped linear ramp', () => {
    expect(rampMean(0, 20, 100)).toBe(10);
    expect(rampMean(90, 20, 100)).toBeCloseTo(0.5 * 95 + 0.5 * 100, 12);
    expect(rampMean(10, -20, 100)).toBeCloseTo(0.5 * 5, 12);
    expect(rampMean(30, 0, 100)).toBe(30);
    expect(rampMean(100, 20, 100)).toBe(100);
  });
});

describe('iofair script cgroup', () => {
  it('its output is what the cgroup parser reads (fake cgroup tree, two runs)', () => {
    const root = mkdtempSync(join(tmpdir(), 'iofair-cg-'));
    try {
      const script = join(root, 'cg.sh');
      writeFileSync(script, cgroupScript.render({}));
      const tree = join(root, 'cgroup');
      mkdirSync(join(tree, 'app.slice', 'my app.service'), { recursive: true });
      const stat = (r: number, w: number) => `8:0 rbytes=${r * 4096} wbytes=${w * 4096} rios=${r} wios=${w} dbytes=0 dios=0\n`;
      writeFileSync(join(tree, 'io.stat'), stat(100, 100));
      writeFileSync(join(tree, 'app.slice', 'io.stat'), stat(60, 40));
      writeFileSync(join(tree, 'app.slice', 'my app.service', 'io.stat'), stat(50, 30));
      const proc = join(root, 'proc');
      mkdirSync(proc);
      writeFileSync(join(proc, 'diskstats'), '');
      const run = () =>
        execFileSync('sh', [script, '0', '1'], { env: { ...process.env, IOFAIR_CGROUP_ROOT: tree, IOFAIR_PROC: proc }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      const first = run();
      writeFileSync(join(tree, 'io.stat'), stat(200, 150));
      writeFileSync(join(tree, 'app.slice', 'io.stat'), stat(150, 80));
      writeFileSync(join(tree, 'app.slice', 'my app.service', 'io.stat'), stat(130, 60));
      const out = first + run();
      expect(out.split('\n')[0]).toMatch(/^# iofair-cgroup-iostat v2 root=.* hierarchy=v2$/);
      const r = parse(cgroupIostatFormat, out);
      expect(r.skips).toEqual([]);
      const svc = byName(r.samples, '/app.slice/my app.service');
      expect(svc.map((s) => [s.readOps, s.writeOps])).toEqual([[80, 30]]);
      expect(byName(r.samples, '/app.slice').map((s) => [s.readOps, s.writeOps])).toEqual([[10, 10]]);
      expect(byName(r.samples, '/').map((s) => [s.readOps, s.writeOps])).toEqual([[10, 10]]);
      expect(svc[0].durationNs).toBeGreaterThan(0);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('IntervalAnalyzer: devices serving several IOs at once', () => {
  const dev = (startS: number, util: number, ops: number, extra: Partial<IntervalSample> = {}): IntervalSample => ({
    kind: 'device', name: 'nvme0', startNs: startS * 1e9, durationNs: 1e9, readOps: ops, writeOps: 0, readBytes: ops * 4096, writeBytes: 0, utilization: util, ...extra,
  });
  const run = (samples: IntervalSample[], k?: number) => {
    const a = new IntervalAnalyzer();
    for (const s of samples) a.add(s);
    return a.finish({ weights: equal, policies: [], parallelismOf: () => k });
  };

  it('with --parallelism: service = ops × service time, at most K × busy time; capacity per such busy second', () => {
    // 1000 ops × 2 ms = 2 s of IO time in a 1 s interval 50 % busy: 2 of 8 units on average
    // 8000 ops × 1 ms = 8 s, 100 % busy: all 8 units (capped at 8 × 1 s)
    // 9000 ops × 2 ms = 18 s > 8 × 1 s: capped at 8 s
    const r = run([dev(0, 0.5, 1000, { serviceLatencyNs: 2e6 }), dev(1, 1, 8000, { serviceLatencyNs: 1e6 }), dev(2, 1, 9000, { serviceLatencyNs: 2e6 })], 8);
    const d = r.devices[0];
    expect(d.parallelism).toBe(8);
    expect(d.parallelism_source).toBe('option');
    expect(d.attribution).toBe('service_time');
    expect(d.service_s).toBeCloseTo(2 + 8 + 8, 9);
    expect(d.utilization).toBeCloseTo(18 / (8 * 3), 12);
    // busy intervals: the 2nd and 3rd (all 8 units in use): 8000 and 9000 IOPS at full capacity
    expect(d.capacity_iops).toEqual({ min: 8000, p50: 8500, max: 9000 });
    expect(d.busy_seconds).toBe(2);
    expect(d.busy_s).toBeCloseTo(2.5, 9); // %util × duration, as the tool reports it
  });

  it('without a service time, the mean queue length (aqu-sz) × duration, at most K × busy time', () => {
    // aqu-sz 3 in a 1 s interval 50 % busy, K = 4: min(3, 4 × 0.5) = 2 s; aqu-sz 1.5: 1.5 s
    const r = run([dev(0, 0.5, 1000, { queueDepth: 3 }), dev(1, 0.5, 1000, { queueDepth: 1.5 })], 4);
    expect(r.devices[0].attribution).toBe('queue_depth');
    expect(r.devices[0].service_s).toBeCloseTo(2 + 1.5, 9);
  });

  it('without --parallelism: %util as reported, and a note when several IOs were in flight while busy', () => {
    const r = run([dev(0, 0.5, 1000, { queueDepth: 6 })]);
    const d = r.devices[0];
    expect(d.parallelism).toBeNull();
    expect(d.attribution).toBe('utilization');
    expect(d.service_s).toBeCloseTo(0.5, 9);
    expect(r.warnings.join('\n')).toMatch(/device nvme0: up to 12\.0 IOs were in flight on average while it was busy.*--parallelism nvme0=K/);
    const calm = run([dev(0, 0.5, 1000, { queueDepth: 0.6 })]);
    expect(calm.warnings.join('\n')).not.toMatch(/in flight on average/);
  });

  it('says what zone shares are measured in', () => {
    expect(run([zs('a', 0, 10, 5), zs('b', 0, 10, 5)]).shareMeasure).toBe('io_time');
    expect(run([zs('a', 0, 10, undefined, { serviceLatencyNs: 1e6 })]).shareMeasure).toBe('device_io_time');
    expect(run([zs('a', 0, 10), zs('b', 0, 5)]).shareMeasure).toBe('ops');
    // the tool's own device time (iotop DISKTIME, iocost cost.usage), alone or beside a service time
    expect(run([zs('a', 0, 10, undefined, { deviceTimeNs: 5e6 }), zs('b', 0, 10, undefined, { serviceLatencyNs: 1e6 })]).shareMeasure).toBe('device_time');
    // ops × latency wherever some zone's time is its whole latency
    expect(run([zs('a', 0, 10, undefined, { deviceTimeNs: 5e6 }), zs('b', 0, 10, 5)]).shareMeasure).toBe('io_time');
    // bytes but no ops (pidstat -d)
    expect(run([zs('a', 0, 0, undefined, { readBytes: 4096 }), zs('b', 0, 0, undefined, { readBytes: 8192 })]).shareMeasure).toBe('bytes');
    expect(run([dev(0, 0.5, 10)]).shareMeasure).toBeNull();
  });
});
