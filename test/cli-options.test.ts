import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Command, InvalidArgumentError } from 'commander';
import { addReplayOptions, parseCapLimits, parseCapSpec, replayOptionsFrom } from '../src/cli/replay-options.js';
import { checkFailOnPolicies, judgeFailOn, parseFailOn as parseFailOnWith } from '../src/cli/fail-on.js';
import { formatDuration, parseBandwidth, parseDurationNs, parsePercent } from '../src/cli/units.js';
import { unknownZoneWarnings } from '../src/cli/unknown-zones.js';
import { editDistance, nearNames } from '../src/cli/suggest.js';
import type { Analysis } from '../src/core/analysis.js';

const POLICIES = ['fifo', 'cap', 'throttle', 'fair'];
const parseFailOn = (text: string) => parseFailOnWith(text, POLICIES);

function parse(args: string[]) {
  const cmd = addReplayOptions(new Command().exitOverride().configureOutput({ writeErr: () => {} }));
  cmd.parse(args, { from: 'user' });
  return replayOptionsFrom(cmd.opts());
}

describe('--cap', () => {
  it('parses IOPS, SI and binary bandwidth units, and both together', () => {
    expect(parseCapLimits('400iops')).toEqual({ iops: 400, bytesPerS: null });
    expect(parseCapLimits('50MB/s')).toEqual({ iops: null, bytesPerS: 50e6 });
    expect(parseCapLimits('8kB/s')).toEqual({ iops: null, bytesPerS: 8000 });
    expect(parseCapLimits('2KiB/s')).toEqual({ iops: null, bytesPerS: 2048 });
    expect(parseCapLimits('1.5MiB/s')).toEqual({ iops: null, bytesPerS: 1.5 * 1048576 });
    expect(parseCapLimits('1GB/s')).toEqual({ iops: null, bytesPerS: 1e9 });
    expect(parseCapLimits('400iops+50MB/s')).toEqual({ iops: 400, bytesPerS: 50e6 });
    expect(parseCapLimits('none')).toBeNull();
  });
  it('parses auto, a default and per-zone limits', () => {
    const a = parseCapSpec('auto');
    expect(a.auto).toBe(true);
    expect(a.all).toBeNull();
    const s = parseCapSpec('db=200iops,web=20MB/s,batch=none');
    expect(s.auto).toBe(false);
    expect(s.perZone.get('db')).toEqual({ iops: 200, bytesPerS: null });
    expect(s.perZone.get('web')).toEqual({ iops: null, bytesPerS: 20e6 });
    expect(s.perZone.get('batch')).toBeNull();
    const d = parseCapSpec('400iops,db=1000iops');
    expect(d.all).toEqual({ iops: 400, bytesPerS: null });
    expect(d.perZone.get('db')!.iops).toBe(1000);
  });
  it('rejects bad specs with a clear message', () => {
    for (const bad of ['400', 'fast', '50MB', '0iops', '400iops+500iops', 'db=', '=5iops', 'auto,400iops', '10Xb/s', 'db=1iops,db=2iops']) {
      expect(() => parseCapSpec(bad), bad).toThrow(InvalidArgumentError);
    }
    expect(() => parseCapSpec('400')).toThrow(/not a limit.*400iops/);
  });
});

describe('replay options', () => {
  it('defaults: all four policies, cap auto, the IOPS cap ladder, SmartOS throttle tunables, each zone\'s loop model from its trace', () => {
    const o = parse([]);
    expect(o.policies).toEqual(['fifo', 'cap', 'throttle', 'fair']);
    expect(o.cap.auto).toBe(true);
    expect(o.cap.burstS).toBe(0.1);
    expect(o.loopSpec).toEqual({ fallback: 'auto', perZone: new Map() });
    expect(o.capLadder).toBe('iops');
    expect(o.throttle).toMatchObject({
      delayStepNs: 5e3,
      delayCeilingNs: 100e3,
      adjustNs: 250e6,
      cycleNs: 2e9,
      busyPct: 80,
      calmPct: 60,
      slowNs: 50e6,
      recentNs: 1e9,
      ancientNs: 5e9,
    });
  });
  it('takes tunables with units, policy lists, none and closed loop', () => {
    const o = parse(['--policy', 'fair,cap', '--throttle-delay-step', '10us', '--throttle-adjust', '1s', '--throttle-busy', '90', '--loop', 'closed', '--cap', 'db=5MiB/s']);
    expect(o.policies).toEqual(['fair', 'cap']);
    expect(o.throttle.delayStepNs).toBe(10e3);
    expect(o.throttle.adjustNs).toBe(1e9);
    expect(o.throttle.busyPct).toBe(90);
    expect(o.loopSpec).toEqual({ fallback: 'closed', perZone: new Map() });
    expect(o.cap.perZone.get('db')!.bytesPerS).toBe(5 * 1048576);
    expect(parse(['--policy', 'none']).policies).toEqual([]);
    expect(parse(['--cap-ladder', 'bytes']).capLadder).toBe('bytes');
    expect(parse(['--cap-ladder', 'none']).capLadder).toBe('none');
  });
  it('--loop: a default and zones named, each open or closed', () => {
    expect(parse(['--loop', 'db=open,backup=closed']).loopSpec).toEqual({ fallback: 'auto', perZone: new Map([['db', 'open'], ['backup', 'closed']]) });
    expect(parse(['--loop', 'auto,db=open']).loopSpec).toEqual({ fallback: 'auto', perZone: new Map([['db', 'open']]) });
    expect(parse(['--loop', 'open,backup=closed']).loopSpec).toEqual({ fallback: 'open', perZone: new Map([['backup', 'closed']]) });
    for (const bad of ['half', 'db=auto', 'open,closed', 'db=open,db=closed', '=open', 'db=', '', 'auto,,db=open'])
      expect(() => parse(['--loop', bad]), bad).toThrow(InvalidArgumentError);
    expect(() => parse(['--loop', 'db=half'])).toThrow(/a zone's loop model is open or closed/);
    expect(() => parse(['--cap-ladder', 'ops'])).toThrow();
  });
  it('rejects unknown policies, loops and bad tunables', () => {
    expect(() => parse(['--policy', 'fifo,lottery'])).toThrow(/unknown policy 'lottery'/);
    expect(() => parse(['--loop', 'half'])).toThrow(/'half' is not auto, open, closed or ZONE=open\|closed/);
    expect(() => parse(['--throttle-busy', '120'])).toThrow();
    expect(() => parse(['--throttle-calm', '90'])).toThrow(/must not exceed/);
    expect(() => parse(['--throttle-slow', 'soon'])).toThrow();
  });
  it('every duration needs a unit: the numbers --help once printed are refused, not misread', () => {
    expect(() => parse(['--cap-burst', '100000000'])).toThrow(/needs a unit/);
    expect(() => parse(['--throttle-delay-step', '5000'])).toThrow(/needs a unit/);
    expect(parse(['--cap-burst', '100ms']).cap.burstS).toBe(0.1);
    expect(parse(['--throttle-delay-step', '5us']).throttle.delayStepNs).toBe(5e3);
    expect(parse(['--throttle-delay-step', '5µs']).throttle.delayStepNs).toBe(5e3);
    expect(parse(['--throttle-sys-avg-cycle', '500ms']).throttle.sysAvgCycleNs).toBe(500e6);
  });
  it('bounds each tunable, alone and against its partner, with the reason', () => {
    expect(() => parse(['--throttle-adjust', '1ns'])).toThrow(/at least 1ms.*adjust period/);
    expect(() => parse(['--throttle-adjust', '999us'])).toThrow(/at least 1ms/);
    expect(parse(['--throttle-adjust', '1ms']).throttle.adjustNs).toBe(1e6);
    expect(() => parse(['--throttle-adjust', '3s'])).toThrow(/--throttle-adjust \(3s\) must not exceed --throttle-cycle \(2s\)/);
    expect(parse(['--throttle-adjust', '3s', '--throttle-cycle', '3s']).throttle.adjustNs).toBe(3e9);
    expect(() => parse(['--throttle-delay-step', '200us'])).toThrow(/must not exceed --throttle-delay-ceiling \(100us\)/);
    expect(() => parse(['--throttle-delay-step', '500ns'])).toThrow(/at least 1us/);
    expect(() => parse(['--throttle-delay-ceiling', '2s'])).toThrow(/at most 1s/);
    expect(() => parse(['--throttle-recent', '6s'])).toThrow(/--throttle-recent \(6s\) must not exceed --throttle-ancient \(5s\)/);
    expect(() => parse(['--throttle-cycle', '2h'])).toThrow(/at most 1h/);
    expect(() => parse(['--cap-burst', '0'])).toThrow(/at least 1ms/);
    expect(() => parse(['--cap-burst', '-1s'])).toThrow(/negative/);
    expect(() => parse(['--throttle-sched', '-1'])).toThrow(/whole number/);
    expect(() => parse(['--throttle-sched', '2000000'])).toThrow(/at most/);
    expect(() => parse(['--throttle-calm', '90%'])).toThrow(/--throttle-calm \(90%\) must not exceed --throttle-busy \(80%\)/);
  });
  it('percentages: 80 and 80% alike, 0 to 100', () => {
    expect(parse(['--throttle-busy', '90%']).throttle.busyPct).toBe(90);
    expect(parse(['--throttle-busy', '90']).throttle.busyPct).toBe(90);
    expect(parse(['--throttle-calm', '12.5%']).throttle.calmPct).toBe(12.5);
    for (const bad of ['101', '-5', '150%', 'high', '80%%', '']) expect(() => parsePercent(bad), bad).toThrow(InvalidArgumentError);
  });
});

function analysis(): Analysis {
  const lat = (p99: number) => ({ mean: p99 / 3, p50: p99 / 4, p90: p99 / 2, p99, p999: p99 * 1.2, max: p99 * 2 });
  const zone = (name: string, p99: number, deviation: number) => ({
    zone: name, weight: 1, ops: 10, read_ops: 10, write_ops: 0, bytes: 1, iops: 1, bytes_per_s: 1,
    latency_us: lat(p99), device_time_s: 1, device_share: 0.5 + deviation, fair_share: 0.5, deviation,
  });
  // idle: each device's idle while IO waited, in a 20 s window
  const pol = (policy: string, loss: number, idle: number[]) => ({
    policy, params: {}, loop: 'open' as const, throughput_loss: loss, makespan_s: 1, jain: 1, zones: [],
    idle_while_waiting_s: idle.reduce((s, x) => s + x, 0),
    idle_while_waiting_frac: Math.max(...idle) / 20,
    devices: idle.map((x, i) => ({ device: `sd${i}`, idle_while_waiting_s: x, idle_while_waiting_frac: x / 20 })),
  });
  return {
    schema_version: 1,
    tool: { name: 'iofair', version: '0' },
    input: { sources: [], format: 'csv', fidelity: 'events', records: 20, platform: 'neutral', skipped: 0, skipped_by_reason: {}, events_lost: 0, start_s: 0, end_s: 1, duration_s: 1, partial: false },
    devices: [],
    zones: [zone('db01', 180e3, 0.3), zone('web', 20e3, -0.3)],
    fairness: { jain: 0.7, min_max_ratio: 0.3 },
    policies: [pol('cap', 0.41, [12.3, 8]), pol('throttle', 0.002, [0, 0])],
    verdict: null,
    warnings: [],
  };
}

describe('--fail-on', () => {
  const crossed = (a: Analysis, text: string) => {
    const j = judgeFailOn(a, parseFailOn(text));
    expect(j.unjudged).toEqual([]);
    return j.crossed;
  };
  it('parses expressions with units, fractions, pp and %, and zones', () => {
    expect(parseFailOn('p99>50ms,jain<0.8,cap-loss>0.1,db01:deviation>=0.2,cap-idle>30s')).toEqual([
      { text: 'p99>50ms', zone: null, metric: 'p99', op: '>', value: 50e3, signed: false },
      { text: 'jain<0.8', zone: null, metric: 'jain', op: '<', value: 0.8, signed: false },
      { text: 'cap-loss>0.1', zone: null, metric: 'cap-loss', op: '>', value: 0.1, signed: false },
      { text: 'db01:deviation>=0.2', zone: 'db01', metric: 'deviation', op: '>=', value: 0.2, signed: false },
      { text: 'cap-idle>30s', zone: null, metric: 'cap-idle', op: '>', value: 30, signed: false },
    ]);
    const v = (t: string) => parseFailOn(t)[0];
    expect(v('deviation>5pp')).toMatchObject({ value: 0.05, signed: false });
    expect(v('deviation>5%')).toMatchObject({ value: 0.05, signed: false });
    expect(v('deviation>+5pp')).toMatchObject({ value: 0.05, signed: true });
    expect(v('deviation<-0.1')).toMatchObject({ value: -0.1, signed: true });
    expect(v('cap-loss>10%').value).toBeCloseTo(0.1, 15);
    expect(v('share>=30%').value).toBeCloseTo(0.3, 15);
    expect(v('p99>=800us').value).toBe(800);
    expect(v('a:b:p99<2s')).toMatchObject({ zone: 'a:b', value: 2e6 });
    expect(v('CAP-LOSS>0').metric).toBe('cap-loss');
  });
  it('rejects what it cannot read, naming the forms it takes', () => {
    expect(() => parseFailOn('p99')).toThrow(/no comparison/);
    expect(() => parseFailOn('latency>5ms')).toThrow(/unknown metric 'latency'.*known: deviation/);
    expect(() => parseFailOn('cpa-loss>0')).toThrow(/unknown metric 'cpa-loss'.*did you mean cap-loss\?/);
    expect(() => parseFailOn('lottery-loss>0')).toThrow(/unknown metric/);
    expect(() => parseFailOn('p99>fast')).toThrow(/not a duration/);
    expect(() => parseFailOn('p99>50')).toThrow(/not a duration.*ns, us/);
    expect(() => parseFailOn('cap-idle>30')).toThrow(/not a duration/);
    expect(() => parseFailOn('jain<high')).toThrow(/not a number from 0 to 1/);
    expect(() => parseFailOn('jain<80%')).toThrow(/Jain's index is a number from 0 to 1/);
    expect(() => parseFailOn('jain<1.5')).toThrow(/between 0 and 1/);
    expect(() => parseFailOn('cap-loss>2')).toThrow(/for 2 percent write 2%/);
    expect(() => parseFailOn('cap-loss>5pp')).toThrow(/pp is for deviation/);
    expect(() => parseFailOn('deviation>20')).toThrow(/write 20pp/);
    expect(() => parseFailOn('db:jain<0.5')).toThrow(/not a per-zone metric/);
    expect(() => parseFailOn(':p99>1ms')).toThrow(/empty zone/);
    expect(() => parseFailOn(' , ')).toThrow(/no expression/);
  });
  it('names each threshold crossed with zone, metric, value and threshold in the report units', () => {
    const a = analysis();
    expect(crossed(a, 'p99>50ms')).toEqual(['zone db01: p99 180 ms > 50 ms (--fail-on p99>50ms)']);
    expect(crossed(a, 'jain<0.8')).toEqual(["Jain's index 0.7 < 0.8 (--fail-on jain<0.8)"]);
    expect(crossed(a, 'cap-loss>10%,throttle-loss>0.01')).toEqual(['cap (open loop): throughput loss 41 % > 10 % (--fail-on cap-loss>10%)']);
    // the longest one device sat idle (12.3 s on sd0), not the sum over devices (20.3 s)
    expect(crossed(a, 'cap-idle>10s')).toEqual(['cap (open loop): longest device idle while IO waited 12.3 s > 10 s (--fail-on cap-idle>10s)']);
    expect(crossed(a, 'cap-idle>15s')).toEqual([]);
    // 12.3 s of the 20 s window: 61.5 %
    expect(crossed(a, 'cap-cost>1%')).toEqual(['cap (open loop): device idle while IO waited, share of the window 61.5 % > 1 % (--fail-on cap-cost>1%)']);
    expect(crossed(a, 'throttle-cost>0')).toEqual([]);
    expect(crossed(a, 'share>=80%')).toEqual(['zone db01: share 80 % ≥ 80 % (--fail-on share>=80%)']);
    expect(crossed(a, 'web:p99>50ms,p99>1s,jain<0.5,cap-idle>20s')).toEqual([]);
    // equal when rounded: more digits, so the line never reads "5 pp > 5 pp"
    const b = analysis();
    b.zones[0].deviation = 0.0504;
    expect(crossed(b, 'db01:deviation>5pp')).toEqual(['zone db01: deviation +5.04 pp, |deviation| > 5 pp (--fail-on db01:deviation>5pp)']);
  });
  it('deviation: unsigned thresholds compare the magnitude, signed ones the signed value', () => {
    // db01 +0.3, web −0.3
    const a = analysis();
    expect(crossed(a, 'deviation>0.1')).toEqual([
      'zone db01: deviation +30 pp, |deviation| > 10 pp (--fail-on deviation>0.1)',
      'zone web: deviation -30 pp, |deviation| > 10 pp (--fail-on deviation>0.1)',
    ]);
    expect(crossed(a, 'deviation<-0.1')).toEqual(['zone web: deviation -30 pp < -10 pp (--fail-on deviation<-0.1)']);
    expect(crossed(a, 'deviation>+10pp')).toEqual(['zone db01: deviation +30 pp > +10 pp (--fail-on deviation>+10pp)']);
    expect(crossed(a, 'deviation<5pp')).toEqual([]);
    expect(crossed(a, 'deviation<31pp')).toHaveLength(2);
    // a property: for any deviation d and threshold t ≥ 0, deviation>t fires exactly when |d| > t
    fc.assert(
      fc.property(fc.double({ min: -1, max: 1, noNaN: true }), fc.integer({ min: 0, max: 100 }), (d, pp) => {
        const z = analysis();
        z.zones = [z.zones[0]];
        z.zones[0].deviation = d;
        const j = judgeFailOn(z, parseFailOn(`deviation>${pp}pp`));
        const neg = judgeFailOn(z, parseFailOn(`deviation<-${pp}pp`));
        return j.crossed.length === (Math.abs(d) > pp / 100 ? 1 : 0) && neg.crossed.length === (d < -pp / 100 ? 1 : 0);
      }),
    );
  });
  it('a threshold it cannot judge is an error with the reason, never a silent pass', () => {
    const a = analysis();
    expect(judgeFailOn(a, parseFailOn('nosuch:p99>1ms')).unjudged).toEqual([
      '--fail-on nosuch:p99>1ms: zone nosuch is not in the input (zones: db01, web)',
    ]);
    expect(judgeFailOn(a, parseFailOn('fair-loss>1%')).unjudged[0]).toMatch(/the fair policy was not replayed/);
    const iv = analysis();
    iv.input.fidelity = 'intervals';
    for (const z of iv.zones) z.latency_us = { mean: 900, p50: null, p90: null, p99: null, p999: null, max: null };
    expect(judgeFailOn(iv, parseFailOn('p99>1ms')).unjudged).toEqual([
      '--fail-on p99>1ms: no zone has a p99: interval input has no latency distribution (at most a mean)',
    ]);
    expect(judgeFailOn(iv, parseFailOn('db01:p99>1ms')).unjudged[0]).toMatch(/zone db01 has no p99/);
    expect(judgeFailOn(iv, parseFailOn('mean>800us')).crossed).toHaveLength(2);
    const one = analysis();
    one.fairness.jain = null;
    expect(judgeFailOn(one, parseFailOn('jain<0.8')).unjudged[0]).toMatch(/Jain's index was not computed/);
    // some zones without the value: the others are judged, the rest named in a note
    const part = analysis();
    part.zones[1].latency_us.p99 = null;
    const j = judgeFailOn(part, parseFailOn('p99>50ms'));
    expect(j).toEqual({ crossed: ['zone db01: p99 180 ms > 50 ms (--fail-on p99>50ms)'], unjudged: [], notes: ['--fail-on p99>50ms: not judged for zone(s) without a p99: web'] });
    // before any input is read: a policy that is not replayed
    expect(checkFailOnPolicies(parseFailOn('cap-loss>0,p99>1s,fair-idle>1s'), ['fifo', 'fair'])).toEqual([
      '--fail-on cap-loss>0: the cap policy is not replayed (--policy fifo,fair)',
    ]);
    expect(checkFailOnPolicies(parseFailOn('cap-loss>0'), [])).toEqual(['--fail-on cap-loss>0: the cap policy is not replayed (--policy none)']);
  });
});

describe('durations, bandwidths and names', () => {
  it('reads every unit, refuses bare numbers but 0', () => {
    const cases: [string, number][] = [
      ['5ns', 5], ['5us', 5e3], ['5µs', 5e3], ['5μs', 5e3], ['5ms', 5e6], ['5s', 5e9], ['5m', 300e9], ['5h', 18000e9],
      ['1.5s', 1.5e9], ['.25ms', 250e3], [' 2 s ', 2e9], ['0', 0], ['0.0', 0], ['0ms', 0],
    ];
    for (const [t, ns] of cases) expect(parseDurationNs(t), t).toBe(ns);
    for (const bad of ['5', '100000000', '1e3ms', '5 sec', '5S', 'ms', '', '-1s', '5xs', '1.2.3s'])
      expect(() => parseDurationNs(bad), bad).toThrow(InvalidArgumentError);
    expect(() => parseDurationNs('250')).toThrow(/needs a unit \(ns, us \(or µs\), ms, s, m, h/);
  });
  it('formats defaults in the form it reads back', () => {
    expect([0, 5e3, 100e3, 250e6, 2e9, 5e9, 60e9, 90e9, 3600e9, 1.5, 1234567].map(formatDuration)).toEqual([
      '0s', '5us', '100us', '250ms', '2s', '5s', '1m', '90s', '1h', '1.5ns', '1234567ns',
    ]);
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 53 - 1 }), (ns) => parseDurationNs(formatDuration(ns)) === ns));
  });
  it('reads bandwidths with SI and IEC units from one table', () => {
    expect(parseBandwidth('50MB/s')).toBe(50e6);
    expect(parseBandwidth('20MiB/s')).toBe(20 * 1048576);
    expect(parseBandwidth('8kb/s')).toBe(8000);
    expect(parseBandwidth('1TiB/s')).toBe(1024 ** 4);
    expect(parseBandwidth('50MB')).toBeNull();
    expect(parseBandwidth('50XB/s')).toBeNull();
  });
  it('suggests near names', () => {
    expect(editDistance('cpa-loss', 'cap-loss')).toBe(1);
    expect(editDistance('p99', 'p999')).toBe(1);
    expect(nearNames('cpa-loss', ['cap-loss', 'fair-loss', 'cap-idle'])).toEqual(['cap-loss']);
    expect(nearNames('dbo1', ['db01', 'web'])).toEqual(['db01']);
    expect(nearNames('zz', ['db01', 'web'])).toEqual([]);
  });
});

describe('option parsers on arbitrary text', () => {
  it('either read a value or throw InvalidArgumentError, never anything else', () => {
    const only = (f: () => unknown) => {
      try {
        f();
        return true;
      } catch (e) {
        return e instanceof InvalidArgumentError;
      }
    };
    const text = fc.oneof(fc.string(), fc.stringMatching(/^[\w:.,<>=+%µ -]{0,24}$/));
    fc.assert(
      fc.property(text, (t) => only(() => parseFailOn(t)) && only(() => parseDurationNs(t)) && only(() => parseCapSpec(t)) && only(() => parsePercent(t))),
      { numRuns: 2000 },
    );
    // every duration read is a whole number of ns, never negative
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e6, noNaN: true }), fc.constantFrom('ns', 'us', 'µs', 'ms', 's', 'm', 'h'), (n, u) => {
        const ns = parseDurationNs(`${n.toFixed(3)}${u}`);
        return Number.isInteger(ns) && ns >= 0;
      }),
    );
  });
});

describe('unknownZoneWarnings', () => {
  it('names the zones an option gives that the input lacks, with a near match', () => {
    const input = new Set(['db01', 'web', 'backup']);
    expect(unknownZoneWarnings('--weights', ['db01', 'web'], input)).toEqual([]);
    expect(unknownZoneWarnings('--weights', ['dbo1', 'web'], input)).toEqual([
      '--weights names a zone not in the input: dbo1 (did you mean db01?); it has no effect',
    ]);
    expect(unknownZoneWarnings('--cap', ['x', 'y', 'x'], ['db01'])).toEqual(['--cap names 2 zones not in the input: x, y; they have no effect']);
    const many = Array.from({ length: 13 }, (_, i) => `z${i}`);
    expect(unknownZoneWarnings('--loop', many, [])[0]).toMatch(/^--loop names 13 zones not in the input: z0, z1, .*z9 and 3 more; they have no effect$/);
  });
});
