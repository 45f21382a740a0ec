// --parallelism through the cli into the replay, and the replay of fixtures/parallel-ssd.csv (a
// FIFO device of 8 servers, scripts/gen-parallel.mjs) as 8 slots: the numbers fixtures/README.md
// explains.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { DeviceSim } from '../src/core/replay/device-sim.js';
import { SlotCalibration } from '../src/core/replay/fifo-slots.js';
import { findPolicy } from '../src/core/replay/policies/index.js';
import { DEFAULT_THROTTLE } from '../src/core/replay/policies/throttle.js';
import { fixture, runCli } from './helpers.js';
import { noCap } from './replay-helpers.js';

const SSD = fixture('parallel-ssd.csv');

interface Report {
  warnings: string[];
  policies: { policy: string; makespan_s: number; jain: number; in_window: { ops: number; device_s: number }; zones: { zone: string; latency_us: { mean: number; p99: number } }[] }[];
  replay_fidelity: { rms_pct: number; devices: { device: string; parallelism: number }[]; zones: { zone: string; p50_error_pct: number; p99_error_pct: number }[] };
}

function analyze(...args: string[]): Report {
  const r = runCli(['analyze', '--format', 'json', '--policy', 'fifo,fair', ...args, SSD]);
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Report;
}

describe('--parallelism', () => {
  it('replays the device as that many slots: the fifo model reproduces every zone of a FIFO 8-server trace', () => {
    for (const spec of ['nvme0=8', '8', '2,nvme0=8']) {
      const a = analyze('--parallelism', spec);
      expect(a.replay_fidelity.devices).toEqual([{ device: 'nvme0', parallelism: 8 }]);
      expect(a.replay_fidelity.rms_pct).toBe(0);
      for (const z of a.replay_fidelity.zones) expect([z.p50_error_pct, z.p99_error_pct]).toEqual([0, 0]);
      expect(a.warnings.filter((w) => /replay model/.test(w))).toEqual([]);
    }
    const table = runCli(['analyze', '--policy', 'fifo,fair', '--parallelism', 'nvme0=8', '--no-color', SSD]);
    expect(table.stdout.replace(/\s+/g, ' ')).toContain("model: K unit-rate slots per device behind the policy's queue (nvme0: 8)");
  });

  it('as one server (--parallelism nvme0=1), the report says, with the numbers, how poorly that reproduces it', () => {
    const a = analyze('--parallelism', 'nvme0=1');
    expect(a.replay_fidelity.devices).toEqual([{ device: 'nvme0', parallelism: 1 }]);
    const w = a.warnings.find((x) => x.startsWith('the single-server replay model'));
    expect(w).toContain(`RMS distance ${a.replay_fidelity.rms_pct.toFixed(0)} % of the mean`);
    expect(w).toContain('--parallelism');
    // fixtures/README.md: RMS 48 %, p50 +65 % to +98 % for three zones
    expect(Math.round(a.replay_fidelity.rms_pct)).toBe(48);
    const p50 = new Map(a.replay_fidelity.zones.map((z) => [z.zone, Math.round(z.p50_error_pct)]));
    expect(Object.fromEntries(p50)).toEqual({ read16k: 65, seq128k: -41, write8k: 98, rand4k: 92 });
    const table = runCli(['analyze', '--policy', 'fifo', '--parallelism', 'nvme0=1', '--no-color', SSD]);
    expect(table.stdout.replace(/\s+/g, ' ')).toContain('model: one unit-rate server per device');
  });

  it('a cap that idles slots: idle time is slot time, and the verdict says how it counts', () => {
    const r = runCli(['analyze', '--format', 'json', '--policy', 'fifo,cap', '--cap', '8000iops', '--cap-ladder', 'none', '--parallelism', 'nvme0=8', SSD]);
    expect(r.status, r.stderr).toBe(0);
    const a = JSON.parse(r.stdout);
    const cap = a.policies.find((p: { policy: string }) => p.policy === 'cap');
    expect(cap.devices).toEqual([{ device: 'nvme0', slots: 8, idle_while_waiting_s: cap.idle_while_waiting_s, idle_while_waiting_frac: cap.idle_while_waiting_frac }]);
    expect(cap.idle_while_waiting_frac).toBeGreaterThan(0.01);
    expect(a.verdict.capping.summary).toContain('(14.5 %; each of its 8 slots counting 1/8) while capped IO waited');
    // a single server's device entry has no slots
    const one = JSON.parse(runCli(['analyze', '--format', 'json', '--policy', 'fifo,cap', '--cap', '8000iops', '--cap-ladder', 'none', '--parallelism', 'nvme0=1', SSD]).stdout);
    expect(Object.keys(one.policies[1].devices[0])).toEqual(['device', 'idle_while_waiting_s', 'idle_while_waiting_frac']);
  });

  it('a bad spec is a usage error', () => {
    for (const spec of ['nvme0=0', 'nvme0=1.5', 'nvme0=', 'x']) {
      const r = runCli(['analyze', '--parallelism', spec, SSD]);
      expect(r.status, spec).toBe(2);
      expect(r.stderr).toContain('--parallelism');
    }
  });
});

describe('fixtures/parallel-ssd.csv replayed as 8 slots (fixtures/README.md)', () => {
  const lines = readFileSync(SSD, 'utf8').split('\n');
  // "# true share of service demand: read16k 22.14 %, seq128k 31.32 %, …"
  const truth = new Map(
    [...lines.find((l) => l.includes('true share of service demand'))!.matchAll(/(\w+) ([\d.]+) %/g)].map((m) => [m[1], Number(m[2])]),
  );
  const ios = lines
    .filter((l) => /^\d/.test(l))
    .map((l) => {
      const [issue, done, zone, , op, bytes] = l.split(',');
      return { issue: Number(issue), done: Number(done), zone, write: op === 'W' ? 1 : 0, bytes: Number(bytes) };
    });
  const names = [...truth.keys()];

  it('every policy charges each zone its true share of the service: fifo and fair alike', () => {
    const origin = ios[0].issue;
    const end = Math.max(...ios.map((x) => x.done));
    const cal = new SlotCalibration(8);
    const service = ios.map((x) => (cal.next(x.issue - origin, x.done - x.issue), cal.service));
    const zones = names.map((name) => ({ name, weight: 1 }));
    for (const policy of ['fifo', 'fair']) {
      const sim = new DeviceSim(0, 0, { name: 'nvme0', medianIops: null, medianBytesPerS: null }, zones, new Uint8Array(zones.length).fill(1), findPolicy(policy)!, { cap: noCap, throttle: DEFAULT_THROTTLE }, null, origin, end, null, null, false, 8);
      ios.forEach((x, i) => sim.ingest(names.indexOf(x.zone), x.issue, service[i], x.bytes, x.write, 1, x.done - x.issue, i));
      sim.finish();
      const total = sim.actual.reduce((s, v) => s + v, 0);
      names.forEach((n, z) => expect(Math.abs((100 * sim.actual[z]) / total - truth.get(n)!), `${policy} ${n}`).toBeLessThan(0.005));
    }
  });

  it('fair reorders: the zones above a quarter of the device time wait a little longer, the others less', () => {
    const a = analyze('--parallelism', 'nvme0=8');
    const [fifo, fair] = a.policies;
    // at 70 % load both complete every IO within the window: 0.463 s of slot time in 81.4 ms,
    // 5.69 of the 8 slots busy on average
    for (const p of [fifo, fair]) expect(p.in_window).toMatchObject({ ops: 4000, device_s: 0.463016906 });
    const span = fifo.makespan_s - ios[0].issue / 1e9;
    expect(+(fifo.in_window.device_s / span / 8).toFixed(3)).toBe(0.711);
    // no longer the same makespan: a work-conserving order of unequal IOs on 8 slots ends elsewhere
    expect(fifo.makespan_s).toBe(0.08145403);
    expect(fair.makespan_s).toBe(0.081398236);
    expect(+fifo.jain.toFixed(3)).toBe(0.971);
    expect(+fair.jain.toFixed(3)).toBe(0.978);
    const mean = (p: (typeof a.policies)[number], z: string) => +p.zones.find((x) => x.zone === z)!.latency_us.mean.toFixed(1);
    const p99 = (p: (typeof a.policies)[number], z: string) => Math.round(p.zones.find((x) => x.zone === z)!.latency_us.p99);
    expect(names.map((z) => [z, mean(fifo, z), mean(fair, z), p99(fifo, z), p99(fair, z)])).toEqual([
      ['read16k', 134.9, 129.3, 563, 547],
      ['seq128k', 385.9, 397, 1569, 1602],
      ['write8k', 112.9, 98.4, 450, 407],
      ['rand4k', 114.7, 118.2, 421, 478],
    ]);
  });
});
