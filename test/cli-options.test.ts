import { describe, it, expect } from 'vitest';
import { Command, InvalidArgumentError } from 'commander';
import { addReplayOptions, parseCapLimits, parseCapSpec, replayOptionsFrom } from '../src/cli/replay-options.js';
import { evaluateFailOn, parseFailOn } from '../src/cli/fail-on.js';
import type { Analysis } from '../src/core/analysis.js';

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
  it('defaults: all four policies, cap auto, SmartOS throttle tunables, open loop', () => {
    const o = parse([]);
    expect(o.policies).toEqual(['fifo', 'cap', 'throttle', 'fair']);
    expect(o.cap.auto).toBe(true);
    expect(o.cap.burstS).toBe(0.1);
    expect(o.loop).toBe('open');
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
    expect(o.loop).toBe('closed');
    expect(o.cap.perZone.get('db')!.bytesPerS).toBe(5 * 1048576);
    expect(parse(['--policy', 'none']).policies).toEqual([]);
  });
  it('rejects unknown policies, loops and bad tunables', () => {
    expect(() => parse(['--policy', 'fifo,lottery'])).toThrow(/unknown policy 'lottery'/);
    expect(() => parse(['--loop', 'half'])).toThrow(/open or closed/);
    expect(() => parse(['--throttle-busy', '120'])).toThrow();
    expect(() => parse(['--throttle-calm', '90'])).toThrow(/must not exceed/);
    expect(() => parse(['--throttle-slow', 'soon'])).toThrow();
  });
});

function analysis(): Analysis {
  const lat = (p99: number) => ({ mean: p99 / 3, p50: p99 / 4, p90: p99 / 2, p99, p999: p99 * 1.2, max: p99 * 2 });
  const zone = (name: string, p99: number, deviation: number) => ({
    zone: name, weight: 1, ops: 10, read_ops: 10, write_ops: 0, bytes: 1, iops: 1, bytes_per_s: 1,
    latency_us: lat(p99), device_time_s: 1, device_share: 0.5 + deviation, fair_share: 0.5, deviation,
  });
  const pol = (policy: string, loss: number, idle: number) => ({
    policy, params: {}, loop: 'open' as const, throughput_loss: loss, idle_while_waiting_s: idle, makespan_s: 1, jain: 1, zones: [],
  });
  return {
    schema_version: 1,
    tool: { name: 'iofair', version: '0' },
    input: { sources: [], format: 'csv', fidelity: 'events', records: 20, platform: 'neutral', skipped: 0, skipped_by_reason: {}, events_lost: 0, start_s: 0, end_s: 1, duration_s: 1, partial: false },
    devices: [],
    zones: [zone('db01', 180e3, 0.3), zone('web', 20e3, -0.3)],
    fairness: { jain: 0.7, min_max_ratio: 0.3 },
    policies: [pol('cap', 0.41, 12.3), pol('throttle', 0.002, 0)],
    verdict: null,
    warnings: [],
  };
}

describe('--fail-on', () => {
  it('parses expressions with units and zones', () => {
    expect(parseFailOn('p99>50ms,jain<0.8,cap-loss>0.1,db01:deviation>=0.2')).toEqual([
      { text: 'p99>50ms', zone: null, metric: 'p99', op: '>', value: 50e3 },
      { text: 'jain<0.8', zone: null, metric: 'jain', op: '<', value: 0.8 },
      { text: 'cap-loss>0.1', zone: null, metric: 'cap-loss', op: '>', value: 0.1 },
      { text: 'db01:deviation>=0.2', zone: 'db01', metric: 'deviation', op: '>=', value: 0.2 },
    ]);
  });
  it('rejects what it cannot read', () => {
    expect(() => parseFailOn('p99')).toThrow(/no comparison/);
    expect(() => parseFailOn('latency>5ms')).toThrow(/unknown metric/);
    expect(() => parseFailOn('p99>fast')).toThrow(/not a duration/);
    expect(() => parseFailOn('jain<high')).toThrow(/not a number/);
    expect(() => parseFailOn('db:jain<0.5')).toThrow(/not a per-zone/);
  });
  it('names each threshold crossed, per zone where it applies', () => {
    const a = analysis();
    expect(evaluateFailOn(a, parseFailOn('p99>50ms'))).toEqual(['p99 of zone db01 is 180 ms (--fail-on p99>50ms)']);
    expect(evaluateFailOn(a, parseFailOn('deviation>0.2,jain<0.8'))).toEqual([
      'deviation of zone db01 is 0.3 (--fail-on deviation>0.2)',
      "Jain's fairness index is 0.7 (--fail-on jain<0.8)",
    ]);
    expect(evaluateFailOn(a, parseFailOn('cap-loss>0.1,throttle-loss>0.01'))).toEqual([
      'throughput loss under cap (open loop) is 0.41 (--fail-on cap-loss>0.1)',
    ]);
    expect(evaluateFailOn(a, parseFailOn('web:p99>50ms,p99>1s,jain<0.5,cap-idle>20s'))).toEqual([]);
    expect(evaluateFailOn(a, parseFailOn('cap-idle>10'))).toHaveLength(1);
    expect(evaluateFailOn(a, parseFailOn('nosuch:p99>1ms'))[0]).toMatch(/not in the trace/);
  });
});
