import { describe, it, expect, beforeAll } from 'vitest';
import fc from 'fast-check';
import type { Analysis } from '../src/core/analysis.js';
import { sortZones, SORT_KEYS } from '../src/core/sort.js';
import { analysisOf } from './report-helpers.js';
import { runCli } from './helpers.js';

let a: Analysis;
beforeAll(() => {
  a = analysisOf('fixtures/tenants.csv', ['--sort', 'name']);
});

describe('sortZones', () => {
  it('orders by each key, largest first (name: alphabetically), ties by name, the same order everywhere', () => {
    const value: Record<string, (z: Analysis['zones'][number]) => number | string> = {
      deviation: (z) => -z.deviation!,
      share: (z) => -z.device_share!,
      ops: (z) => -z.ops,
      p99: (z) => -z.latency_us.p99!,
      name: (z) => z.zone,
    };
    for (const key of SORT_KEYS) {
      const s = sortZones(a, key);
      const names = s.zones.map((z) => z.zone);
      const expected = [...a.zones].sort((x, y) => {
        const vx = value[key](x);
        const vy = value[key](y);
        return vx < vy ? -1 : vx > vy ? 1 : x.zone < y.zone ? -1 : 1;
      });
      expect(names, key).toEqual(expected.map((z) => z.zone));
      for (const p of s.policies) expect(p.zones.map((z) => z.zone)).toEqual(names);
      expect(s.timeline!.zones.map((z) => z.zone)).toEqual(names);
      const fidelity = (x: Analysis) => (x as { replay_fidelity?: { zones: { zone: string }[] } }).replay_fidelity!;
      expect(fidelity(s).zones.map((z) => z.zone)).toEqual(names);
      // nothing else changes, and the input is not modified
      expect({ ...s, zones: a.zones, policies: a.policies, timeline: a.timeline, replay_fidelity: fidelity(a) }).toEqual(a);
      expect({ ...fidelity(s), zones: fidelity(a).zones }).toEqual(fidelity(a));
    }
    expect(a.zones.map((z) => z.zone)).toEqual([...a.zones.map((z) => z.zone)].sort());
  });

  it('puts zones without the value last, and is a permutation for any values', () => {
    fc.assert(
      fc.property(fc.array(fc.option(fc.double({ min: -1, max: 1, noNaN: true })), { minLength: a.zones.length, maxLength: a.zones.length }), (devs) => {
        const b = structuredClone(a);
        b.zones.forEach((z, i) => (z.deviation = devs[i]));
        const s = sortZones(b, 'deviation').zones;
        expect(s.map((z) => z.zone).sort()).toEqual(b.zones.map((z) => z.zone).sort());
        const vals = s.map((z) => z.deviation);
        const firstNull = vals.indexOf(null);
        if (firstNull >= 0) expect(vals.slice(firstNull).every((v) => v === null)).toBe(true);
        const known = vals.filter((v): v is number => v !== null);
        for (let i = 1; i < known.length; i++) expect(known[i]).toBeLessThanOrEqual(known[i - 1]);
      }),
    );
  });
});

describe('--sort', () => {
  it('defaults to deviation, most over its due first; refuses an unknown key', () => {
    const zones = (args: string[]) => JSON.parse(runCli(['analyze', '--json', '--policy', 'none', ...args, 'fixtures/story.csv']).stdout).zones.map((z: { zone: string }) => z.zone);
    // story: backup took +9.5 pp beyond its due, db01 had the larger share (79 %)
    expect(zones([])).toEqual(['backup', 'db01']);
    expect(zones(['--sort', 'share'])).toEqual(['db01', 'backup']);
    const bad = runCli(['analyze', '--sort', 'size', 'fixtures/noisy-neighbor.csv']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/Allowed choices are deviation, share, ops, p99, name/);
  });
});
