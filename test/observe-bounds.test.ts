// What the observe pass's memory may grow with: zones, devices, the (zone, device) pairs used and
// the IOs in flight, never the trace's wall-clock span or zones × devices. Each case runs in a
// child process so its peak RSS can be read; bounds are on memory only, never on time.

import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CapacitySeconds, EXACT_SECONDS } from '../src/core/capacity.js';

const OBSERVE = fileURLToPath(new URL('../dist/core/observe.js', import.meta.url));

/** Runs `body` (JS using EventObserver as `O`) in a fresh node; returns its output and peak RSS in MB. */
function child(body: string): { out: string; rssMb: number } {
  const script = `
    const { EventObserver: O } = await import(${JSON.stringify(OBSERVE)});
    const out = await (async () => { ${body} })();
    process.stdout.write(JSON.stringify({ out, rss: process.resourceUsage().maxRSS }));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 120000 });
  expect(r.status, r.stderr).toBe(0);
  const { out, rss } = JSON.parse(r.stdout);
  return { out: JSON.stringify(out), rssMb: rss / 1024 };
}

describe('observe memory bounds', () => {
  it('a record with a 9-year latency is processed in bounded memory', () => {
    const { out, rssMb } = child(`
      const o = new O({ weightOf: () => undefined, reorderWindowNs: 2e9, store: null });
      const year = 365.25 * 86400e9;
      o.io('a', 'sd0', 'R', 4096, 0, 9 * year);
      o.io('b', 'sd0', 'R', 4096, 1e9, 1e9 + 5e6);
      const r = o.finish();
      return [r.devices[0].busy_s, r.devices[0].capacity_iops, r.zones.map((z) => z.device_time_s)];
    `);
    const [busy, cap, times] = JSON.parse(out);
    expect(busy).toBeCloseTo(9 * 365.25 * 86400, 0);
    // the only second with a completion and busy time: both IOs end in seconds with 1 s of busy time
    expect(cap.max).toBeLessThanOrEqual(2);
    expect(times[0] + times[1]).toBeCloseTo(busy, 0);
    expect(rssMb).toBeLessThan(200);
  });

  it('30k records over 30k zones and 3k devices stay far below a zones × devices table', () => {
    // without the timeline, whose 2 × 120 buckets per zone (~140 MB here with the report's copy)
    // grow with zones alone
    const { out, rssMb } = child(`
      const o = new O({ weightOf: () => undefined, reorderWindowNs: 2e9, store: null, timeline: false });
      for (let i = 0; i < 30000; i++) o.io('z' + i, 'd' + (i % 3000), i % 2 ? 'W' : 'R', 4096, i * 1e6, i * 1e6 + 5e5);
      const r = o.finish();
      return [r.zones.length, r.devices.length, r.zones.reduce((s, z) => s + z.device_share, 0)];
    `);
    const [zones, devices, shares] = JSON.parse(out);
    expect(zones).toBe(30000);
    expect(devices).toBe(3000);
    expect(shares).toBeCloseTo(1, 9);
    // a zones × devices table of 8-byte numbers alone would be 720 MB
    expect(rssMb).toBeLessThan(300);
  });
});

describe('capacity per busy second', () => {
  it('keeps the first seconds exactly and later ones in histograms (median within 0.4 %, min and max exact)', () => {
    const c = new CapacitySeconds();
    const n = EXACT_SECONDS * 3;
    const iops: number[] = [];
    for (let s = 0; s < n; s++) {
      // second s: fully busy, 100 + (s mod 997) completions
      const ops = 100 + ((s * 7919) % 997);
      iops.push(ops);
      c.busyOver(s * 1e9, (s + 1) * 1e9, 1);
      for (let k = 0; k < ops; k++) c.completion(s, 4096);
    }
    const st = c.stats();
    const sorted = [...iops].sort((a, b) => a - b);
    expect(st.n).toBe(n - 1); // the last second is still in progress (histogram mode leaves it out)
    expect(st.iops.min).toBe(sorted[0]);
    expect(st.iops.max).toBe(sorted[sorted.length - 1]);
    const med = sorted[sorted.length >> 1];
    expect(Math.abs(st.iops.p50! - med) / med).toBeLessThan(0.004);
  });

  it('a busy interval of many seconds costs one step and counts as half-busy time', () => {
    const c = new CapacitySeconds();
    // 1 s at 100 IOPS, then one IO busy for 10^9 seconds: the only second with a completion at full busy stays the first
    c.busyOver(0, 1e9, 1);
    for (let k = 0; k < 100; k++) c.completion(0, 4096);
    c.busyOver(1e9, 1e18, 1);
    c.completion(1e9 - 1, 4096);
    const st = c.stats();
    expect(st.iops).toEqual({ min: 1, p50: 50.5, max: 100 });
  });
});
