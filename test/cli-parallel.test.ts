// Parallel devices through the CLI: fixtures/parallel-ssd.csv (see fixtures/README.md),
// --parallelism, --cost model, and what the table and the JSON say about them.

import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simulate, toCsv } from '../scripts/gen-parallel.mjs';
import { fixture, runCli } from './helpers.js';

const FIX = fixture('parallel-ssd.csv');

/** The demand shares the generator wrote into the fixture's comment line. */
function trueShares(): Map<string, number> {
  const line = readFileSync(FIX, 'utf8').split('\n').find((l) => l.startsWith('# true share of service demand:'))!;
  return new Map(
    line
      .replace('# true share of service demand: ', '')
      .split(', ')
      .map((p) => {
        const [zone, pct] = p.split(' ');
        return [zone, Number(pct) / 100] as [string, number];
      }),
  );
}

describe('fixtures/parallel-ssd.csv', () => {
  it('parallelism 8, FIFO slots, and the shares of the true service demand', () => {
    const r = runCli(['analyze', '--json', '--policy', 'none', FIX]);
    expect(r.status).toBe(0);
    const a = JSON.parse(r.stdout);
    const d = a.devices[0];
    expect(d).toMatchObject({ device: 'nvme0', parallelism: 8, parallelism_source: 'estimated', attribution: 'fifo_slots' });
    expect(d.parallelism_evidence).toMatchObject({ from_ios: 4000, overtaken_share: 0, saturated: true });
    expect(a.share_measure).toBe('service');
    const want = trueShares();
    for (const z of a.zones) expect(Math.abs(z.device_share - want.get(z.zone)!)).toBeLessThan(0.0001);
    expect(a.zones.reduce((s: number, z: { deviation: number }) => s + z.deviation, 0)).toBeCloseTo(0, 9);
  });

  it('the busy-period decomposition, computed by hand, would have shown the writer far below its demand', () => {
    const rows = readFileSync(FIX, 'utf8')
      .split('\n')
      .filter((l) => /^\d/.test(l))
      .map((l) => {
        const [issue, done, zone] = l.split(',');
        return { issue: Number(issue), done: Number(done), zone };
      })
      .sort((x, y) => x.done - y.done);
    // cost_i = done_i − max(done_{i−1}, issue_i) in completion order (the last busy period's start otherwise)
    const cost = new Map<string, number>();
    let prev = -Infinity;
    let busyStart = -Infinity;
    let open = 0;
    const events = rows.flatMap((r) => [[r.issue, 1], [r.done, -1]] as [number, number][]).sort((x, y) => x[0] - y[0] || y[1] - x[1]);
    const starts: number[] = [];
    for (const [t, k] of events) {
      if (k === 1 && open++ === 0) starts.push(t);
      if (k === -1) open--;
    }
    let si = 0;
    for (const r of rows) {
      while (si + 1 < starts.length && starts[si + 1] <= r.done) si++;
      busyStart = starts[si];
      cost.set(r.zone, (cost.get(r.zone) ?? 0) + r.done - Math.max(prev, busyStart));
      prev = r.done;
    }
    const total = [...cost.values()].reduce((s, v) => s + v, 0);
    expect(cost.get('seq128k')! / total).toBeLessThan(0.2);
    expect(trueShares().get('seq128k')!).toBeGreaterThan(0.3);
  });

  it('the table shows the parallelism, how device time was measured, and the cost model', () => {
    const r = runCli(['analyze', '--policy', 'none', FIX]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/ parallel /);
    // K and its 95 % interval in the Devices table's row
    expect(r.stdout).toMatch(/^ nvme0 +4,000 +8 \(7–8\) /m);
    const text = r.stdout.replace(/\s+/g, ' ');
    expect(text).toMatch(/nvme0: serves 8 IOs at once \(95 % interval 7–8, from its first 4,000 IOs\), in arrival order: an IO's device time is the time it held one of the 8 units\./);
    expect(r.stdout).toMatch(/Cost model/);
    expect(r.stdout).toMatch(/^nvme0 ctrl=user model=linear .*rrandiops=\d+/m);
  });
});

describe('the replay on a parallel device', () => {
  it('replays a FIFO 16-server device as the 16 slots the trace shows, reproducing it; as one server, it warns with the numbers', () => {
    const dir = mkdtempSync(join(tmpdir(), 'iofair-k16-'));
    try {
      // 16 servers behind one FIFO queue at 90 % load
      const file = join(dir, 'k16.csv');
      writeFileSync(file, toCsv(simulate({ k: 16, discipline: 'fifo', load: 0.9, ios: 3000, seed: 2 })));
      const a = JSON.parse(runCli(['analyze', '--json', file]).stdout);
      expect(a.devices[0].parallelism).toBe(16);
      expect(a.replay_fidelity.devices).toEqual([{ device: 'nvme0', parallelism: 16 }]);
      expect(a.replay_fidelity.rms_pct).toBeCloseTo(0, 6);
      expect(a.warnings.join('\n')).not.toMatch(/reproduces the observed latencies poorly/);
      const one = JSON.parse(runCli(['analyze', '--json', '--parallelism', 'nvme0=1', file]).stdout);
      expect(one.replay_fidelity.rms_pct).toBeGreaterThan(50);
      expect(one.warnings.join('\n')).toMatch(/single-server replay model reproduces the observed latencies poorly \(RMS distance \d+ % of the mean\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('--parallelism and --cost', () => {
  it('--parallelism sets a device\'s parallelism (per device, or one number for all)', () => {
    for (const spec of ['nvme0=4', '4', '2,nvme0=4']) {
      const a = JSON.parse(runCli(['analyze', '--json', '--policy', 'none', '--parallelism', spec, FIX]).stdout);
      expect(a.devices[0]).toMatchObject({ parallelism: 4, parallelism_source: 'option' });
    }
    const other = JSON.parse(runCli(['analyze', '--json', '--policy', 'none', '--parallelism', 'sd9=4', FIX]).stdout);
    expect(other.devices[0]).toMatchObject({ parallelism: 8, parallelism_source: 'estimated' });
  });

  it('a device --parallelism names that the input lacks: a warning with a suggestion, an error under --strict', () => {
    const r = runCli(['analyze', '--json', '--policy', 'none', '--parallelism', 'nvme1=4', FIX]);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/--parallelism names a device not in the input: nvme1 \(did you mean nvme0\?\); it has no effect/);
    expect(JSON.parse(r.stdout).warnings.join('\n')).toMatch(/--parallelism names a device not in the input: nvme1/);
    expect(runCli(['analyze', '--json', '--policy', 'none', '--strict', '--parallelism', 'nvme1=4', FIX]).status).toBe(2);
  });

  it('rejects a bad --parallelism with a usage error naming the problem', () => {
    for (const [spec, msg] of [
      ['x', /whole number from 1 to 65536, found 'x'/],
      ['0', /whole number/],
      ['2.5', /whole number/],
      ['nvme0=', /value for nvme0 must be a whole number/],
      ['=4', /no device name/],
      ['4,8', /more than one value for all devices/],
      ['a=1,a=2', /device 'a' given twice/],
      [',', /empty/],
    ] as [string, RegExp][]) {
      const r = runCli(['analyze', '--json', '--policy', 'none', '--parallelism', spec, FIX]);
      expect(r.status, spec).toBe(2);
      expect(r.stderr, spec).toMatch(msg);
    }
  });

  it('--cost model measures device time by the fitted model and says so', () => {
    const a = JSON.parse(runCli(['analyze', '--json', '--policy', 'none', '--cost', 'model', FIX]).stdout);
    expect(a.share_measure).toBe('cost_model');
    expect(a.devices[0].attribution).toBe('cost_model');
    expect(a.warnings.join('\n')).toMatch(/--cost model.*model cost/);
    expect(a.zones.reduce((s: number, z: { device_share: number }) => s + z.device_share, 0)).toBeCloseTo(1, 9);
    const bad = runCli(['analyze', '--cost', 'guess', FIX]);
    expect(bad.status).toBe(2);
  });

  it('interval input with --parallelism: service from the device service time, and what shares are in', () => {
    const a = JSON.parse(runCli(['analyze', '--json', '--policy', 'none', '--parallelism', '4', fixture('intervals/iostat-illumos-xnz-Tu.txt')]).stdout);
    const d = a.devices.find((x: { device: string }) => x.device === 'c0t0d0');
    expect(d).toMatchObject({ parallelism: 4, parallelism_source: 'option', attribution: 'service_time' });
    expect(d.service_s).toBeGreaterThan(0);
    const z = JSON.parse(runCli(['analyze', '--json', '--policy', 'none', fixture('intervals/ziostat-Z.txt')]).stdout);
    expect(z.share_measure).toBe('device_io_time');
  });
});
