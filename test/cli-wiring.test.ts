import { describe, it, expect } from 'vitest';
import { fixture, runCli } from './helpers.js';
import { SpoolReplayStore } from '../src/cli/spool.js';

const json = (args: string[]) => {
  const r = runCli(['analyze', '--json', ...args]);
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
};

describe('analyze: replay, verdict and thresholds wired end to end', () => {
  it('the story fixture: capping costs throughput, fair queuing costs ~0 and protects db01', () => {
    const a = json([fixture('story.csv')]);
    const p = Object.fromEntries(a.policies.map((x: { policy: string }) => [x.policy, x]));
    expect(p.fifo.throughput_loss).toBe(0);
    expect(p.cap.throughput_loss).toBeGreaterThan(0.1);
    expect(p.cap.idle_while_waiting_s).toBeGreaterThan(5);
    expect(p.fair.throughput_loss).toBeLessThan(0.005);
    expect(p.fair.idle_while_waiting_s).toBe(0);
    expect(p.fair.makespan_s).toBeCloseTo(p.fifo.makespan_s, 9);
    const db = (pol: { zones: { zone: string; latency_us: { p99: number } }[] }) => pol.zones.find((z) => z.zone === 'db01')!.latency_us.p99;
    expect(db(p.fair)).toBeLessThan(db(p.fifo) / 3);
    expect(a.verdict.capping.costs_performance).toBe(true);
    expect(a.verdict.throttling.costs_performance).toBe(false);
    expect(a.verdict.capping.summary).toMatch(/Capping/);
    // the device's delivered IOPS per busy second varied by more than an order of magnitude
    expect(a.devices[0].capacity_ratio).toBeGreaterThan(10);
  });

  it('--policy none skips the replay; --policy picks and orders policies', () => {
    const none = json(['--policy', 'none', fixture('noisy-neighbor.csv')]);
    expect(none.policies).toEqual([]);
    expect(none.verdict).toBeNull();
    const two = json(['--policy', 'fair,fifo', fixture('noisy-neighbor.csv')]);
    expect(two.policies.map((x: { policy: string }) => x.policy)).toEqual(['fair', 'fifo']);
    const bad = runCli(['analyze', '--policy', 'lottery', fixture('noisy-neighbor.csv')]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/unknown policy 'lottery'/);
  });

  it('--fail-on exits 1 naming the crossed threshold, 0 when none is crossed', () => {
    // noisy-neighbor: batch deviation +0.275 (hand-computed in the fixture)
    const hit = runCli(['analyze', '--json', '--fail-on', 'deviation>0.2', fixture('noisy-neighbor.csv')]);
    expect(hit.status).toBe(1);
    expect(hit.stderr).toMatch(/--fail-on: .*batch.*deviation/);
    expect(JSON.parse(hit.stdout).zones.length).toBe(2); // the report is still printed
    const miss = runCli(['analyze', '--json', '--fail-on', 'deviation>0.3', fixture('noisy-neighbor.csv')]);
    expect(miss.status).toBe(0);
    const bad = runCli(['analyze', '--fail-on', 'happiness>3', fixture('noisy-neighbor.csv')]);
    expect(bad.status).toBe(2);
  });

  it('--fail-on: what cannot be judged exits 2 with the reason; pp and % read as in the report', () => {
    const story = fixture('story.csv');
    const fail = (args: string[], input = story) => runCli(['analyze', '--json', ...args, input]);
    // misspelled metric: refused while parsing the options
    const typo = fail(['--fail-on', 'cpa-loss>0']);
    expect(typo.status).toBe(2);
    expect(typo.stderr).toMatch(/unknown metric 'cpa-loss'.*did you mean cap-loss/);
    expect(typo.stdout).toBe('');
    // a policy not replayed: refused before the input is read
    const none = fail(['--policy', 'none', '--fail-on', 'cap-loss>0']);
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/the cap policy is not replayed \(--policy none\)/);
    expect(none.stdout).toBe('');
    // an unknown zone, and p99 of interval input: known once read; the report is still written
    const zone = fail(['--fail-on', 'nosuch:p99>1ms']);
    expect(zone.status).toBe(2);
    expect(zone.stderr).toMatch(/zone nosuch is not in the input \(zones: db01, backup\)/);
    expect(JSON.parse(zone.stdout).zones).toHaveLength(2);
    const iv = fail(['--fail-on', 'p99>1ms'], fixture('intervals/vfsstat-Z.txt'));
    expect(iv.status).toBe(2);
    expect(iv.stderr).toMatch(/no zone has a p99: interval input has no latency distribution/);
    // a judged threshold next to one that cannot be judged: the usage error wins
    expect(fail(['--fail-on', 'deviation>5pp,nosuch:p99>1ms']).status).toBe(2);
    // story.csv: db01 −9.5 pp, backup +9.5 pp; cap loses 22.2 %
    const mag = fail(['--fail-on', 'deviation>5pp']);
    expect(mag.status).toBe(1);
    expect(mag.stderr).toContain('zone db01: deviation -9.53 pp, |deviation| > 5 pp (--fail-on deviation>5pp)');
    expect(mag.stderr).toContain('zone backup: deviation +9.53 pp, |deviation| > 5 pp (--fail-on deviation>5pp)');
    const starved = fail(['--fail-on', 'deviation<-5pp']);
    expect(starved.status).toBe(1);
    expect(starved.stderr).toMatch(/zone db01: deviation -9.53 pp < -5 pp/);
    expect(starved.stderr).not.toMatch(/backup/);
    expect(fail(['--fail-on', 'deviation>10pp']).status).toBe(0);
    expect(fail(['--fail-on', 'cap-loss>10%']).stderr).toMatch(/cap \(open loop\): throughput loss 22.2 % > 10 %/);
    expect(fail(['--fail-on', 'cap-loss>25%']).status).toBe(0);
    // sd0 sat idle 20.8 s of the 40 s window while capped IO waited (the verdict's 52 %)
    expect(fail(['--fail-on', 'cap-cost>1%']).stderr).toMatch(/cap \(open loop\): device idle while IO waited, share of the window 52 % > 1 %/);
    expect(fail(['--fail-on', 'fair-cost>1%']).status).toBe(0);
    expect(fail(['--fail-on', 'p99>50']).status).toBe(2); // a latency needs a unit
  });

  it('zones named in --weights or --cap that the input lacks: a warning, an error under --strict', () => {
    const r = runCli(['analyze', '--json', '--weights', 'dbo1=3', '--cap', 'db01=50iops,nosuch=none', fixture('story.csv')]);
    expect(r.status, r.stderr).toBe(0);
    const a = JSON.parse(r.stdout);
    expect(a.warnings).toContain('--weights names a zone not in the input: dbo1 (did you mean db01?); it has no effect');
    expect(a.warnings).toContain('--cap names a zone not in the input: nosuch; it has no effect');
    expect(r.stderr).toMatch(/warning: --weights names a zone not in the input: dbo1/);
    const strict = runCli(['analyze', '--json', '--strict', '--weights', 'dbo1=3', fixture('story.csv')]);
    expect(strict.status).toBe(2);
    expect(strict.stderr).toMatch(/--weights names a zone not in the input: dbo1 .*--strict/);
    expect(strict.stdout).toBe('');
    expect(runCli(['analyze', '--json', '--strict', '--weights', 'db01=3', fixture('story.csv')]).status).toBe(0);
  });

  it('--loop: zones named are replayed as told (zones[].loop says so); zones the input lacks are warned about', () => {
    const r = runCli(['analyze', '--json', '--policy', 'fifo,fair', '--loop', 'auto,backup=closed,bakup=open', fixture('story.csv')]);
    expect(r.status, r.stderr).toBe(0);
    const a = JSON.parse(r.stdout);
    // zones in the report's order (by deviation: backup took more than its due)
    expect(a.zones.map((z: { zone: string; loop: { model: string; source: string } }) => [z.zone, z.loop.model, z.loop.source])).toEqual([
      ['backup', 'closed', 'option'],
      ['db01', 'open', 'trace'],
    ]);
    expect(a.policies.map((p: { loop: string }) => p.loop)).toEqual(['per-zone', 'per-zone']);
    expect(a.warnings).toContain('--loop names a zone not in the input: bakup (did you mean backup?); it has no effect');
    expect(runCli(['analyze', '--json', '--strict', '--loop', 'bakup=open', fixture('story.csv')]).status).toBe(2);
  });

  it('interval input takes the same --cap grammar as traces (served amounts computed by hand)', () => {
    // vfsstat-caps.txt: three 1 s reports of db 500 reads of 4 KiB and web 500 writes of 128 KiB
    // (1 ms and 2 ms); capacity = the median delivered rate, 1000 ops/s; burst 100 ms
    const cap = (spec: string) => {
      const r = runCli(['analyze', '--json', '--policy', 'fifo,cap', '--cap', spec, fixture('intervals/vfsstat-caps.txt')]);
      expect(r.status, r.stderr).toBe(0);
      const p = JSON.parse(r.stdout).policies.find((x: { policy: string }) => x.policy === 'cap');
      const served = Object.fromEntries(p.zones.map((z: { zone: string; ops_completed: number }) => [z.zone, z.ops_completed]));
      return { p, served };
    };
    // db=none: the only zone named is uncapped and nothing else is capped: fifo exactly
    const none = cap('db=none');
    expect(none.served).toMatchObject({ db: 1500, web: 1500 });
    expect(none.p.throughput_loss).toBe(0);
    expect(none.p.idle_while_waiting_s).toBe(0);
    // 400iops+50MB/s for every zone: db is bound by IOPS (40 tokens + 3 × 400), web by bandwidth
    // ((5 MB of tokens + 3 × 50 MB) / 128 KiB); neither by the other limit
    const both = cap('400iops+50MB/s');
    const web = (5e6 + 3 * 50e6) / 131072;
    expect(both.served.db).toBeCloseTo(40 + 3 * 400, 9);
    expect(both.served.web).toBeCloseTo(web, 9);
    expect(both.p.throughput_loss).toBeCloseTo(1 - (1240 + web) / 3000, 12);
    expect(both.p.idle_while_waiting_s).toBeCloseTo(3 - (1240 + web) / 1000, 9);
    expect(both.p.params).toMatchObject({ spec: '400iops+50MB/s', burst_s: 0.1, all: '400iops+50MB/s' });
    // auto,web=100iops: db gets half the median rate (500/s, never binding), web 10 + 3 × 100
    const mixed = cap('auto,web=100iops');
    expect(mixed.served.db).toBeCloseTo(1500, 9);
    expect(mixed.served.web).toBeCloseTo(310, 9);
    expect(mixed.p.throughput_loss).toBeCloseTo(1 - 1810 / 3000, 12);
    // 400iops,db=none: only web is capped, by IOPS: 40 + 3 × 400
    const except = cap('400iops,db=none');
    expect(except.served).toMatchObject({ db: 1500 });
    expect(except.served.web).toBeCloseTo(1240, 9);
    // a longer burst lets more through before the cap binds: 1 s of 100 IOPS for web
    const r = runCli(['analyze', '--json', '--policy', 'cap', '--cap', 'web=100iops', '--cap-burst', '1s', fixture('intervals/vfsstat-caps.txt')]);
    const p = JSON.parse(r.stdout).policies[0];
    expect(p.zones.find((z: { zone: string }) => z.zone === 'web').ops_completed).toBeCloseTo(100 + 300, 9);
  });

  it('interval input takes the --throttle-* values: the delay ceiling and the step change the fluid throttle', () => {
    // web takes 2/3 of the device time against a fair 1/2: its delay rises 20 µs per 1 s report
    const webMean = (args: string[]) => {
      const r = runCli(['analyze', '--json', '--policy', 'throttle', ...args, fixture('intervals/vfsstat-caps.txt')]);
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout).policies[0].zones.find((z: { zone: string }) => z.zone === 'web').latency_us.mean;
    };
    expect(webMean([])).toBeCloseTo(2000 + (10 + 30 + 50) / 3, 9);
    expect(webMean(['--throttle-delay-ceiling', '25us'])).toBeCloseTo(2000 + (10 + 24.375 + 25) / 3, 9);
    expect(webMean(['--throttle-delay-step', '10us'])).toBeCloseTo(2000 + (20 + 60 + 95) / 3, 9);
    expect(webMean(['--throttle-slow', '1s'])).toBeCloseTo(2000 + 30, 9); // not visible at interval fidelity
  });

  it('interval input: fidelity intervals, zones from vfsstat, a fluid replay', () => {
    const a = json([fixture('intervals/vfsstat-Z.txt')]);
    expect(a.input.fidelity).toBe('intervals');
    expect(a.input.format).toBe('vfsstat');
    expect(a.zones.length).toBeGreaterThan(1);
    expect(a.policies.map((x: { policy: string }) => x.policy)).toEqual(['fifo', 'cap', 'throttle', 'fair']);
    expect(a.warnings.join('\n')).toMatch(/since boot/);
  });

  it('histogram input: fidelity histograms, percentiles but no replay, and it says why', () => {
    const a = json([fixture('dtrace/agg-quantize.txt')]);
    expect(a.input.fidelity).toBe('histograms');
    expect(a.policies).toEqual([]);
    expect(a.zones.every((z: { device_share: unknown }) => z.device_share === null)).toBe(true);
    expect(a.warnings.join('\n')).toMatch(/no replay/);
    expect(a.input.events_lost).toBeGreaterThan(0);
  });

  it('DTrace per-IO output gives events and replays', () => {
    const a = json([fixture('dtrace/iofair-zio.txt')]);
    expect(a.input.format).toBe('dtrace-iofair');
    expect(a.input.fidelity).toBe('events');
    expect(a.policies.length).toBe(4);
  });
});

describe('SpoolReplayStore', () => {
  it('returns every block in order, from memory and from the spill file', () => {
    const store = new SpoolReplayStore(3 * 8 * 4); // room for 3 blocks of 4 numbers in memory
    const blocks: Float64Array[] = [];
    for (let i = 0; i < 7; i++) {
      const b = Float64Array.from([i, i + 0.5, -i, 1e18 + i]);
      blocks.push(Float64Array.from(b));
      store.append(b, i === 6 ? 2 : 4); // the last one partial
    }
    for (let pass = 0; pass < 2; pass++) {
      // a block is valid until the next is taken: copy each as it comes
      const got = Array.from(store.blocks(), ([b, len]) => [Float64Array.from(b), len] as const);
      expect(got.length).toBe(7);
      got.forEach(([b, len], i) => {
        expect(len).toBe(i === 6 ? 2 : 4);
        expect(Array.from(b.subarray(0, len))).toEqual(Array.from(blocks[i].subarray(0, len)));
      });
    }
    store.dispose();
  });
});
