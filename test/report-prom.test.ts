// The prom format against a strict exposition parser, promtool where it is installed, and bucket
// counts taken from the raw trace.

import { describe, it, expect, beforeAll } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import type { Analysis } from '../src/core/analysis.js';
import { renderProm, LATENCY_BOUNDS_S } from '../src/report/prom.js';
import { safeTerm } from '../src/report/sanitize.js';
import { analysisOf, renamed, zoneNames } from './report-helpers.js';
import { parseExposition } from './prom-parser.js';
import { fixture } from './helpers.js';

let tenants: Analysis;
beforeAll(() => {
  tenants = analysisOf('fixtures/tenants.csv');
});

describe('prom', () => {
  it('parses strictly: HELP and TYPE once per family, contiguous, unique series, no timestamp, gauges and histograms', () => {
    const fams = parseExposition(renderProm(tenants));
    for (const f of fams.values()) {
      expect(f.help).not.toBe('');
      expect(['gauge', 'histogram']).toContain(f.type);
      expect(f.name).toMatch(/^iofair_/);
      // base units, and no counter suffix on a window's gauges
      expect(f.name).not.toMatch(/_total$|_(milli|micro|nano)seconds|_us$|_ms$/);
    }
    const db = tenants.zones.find((z) => z.zone === 'db01')!;
    expect(fams.get('iofair_zone_device_time_seconds')!.samples.find((s) => s.labels.get('zone') === 'db01')!.value).toBe(db.device_time_s);
    expect(fams.get('iofair_zone_latency_p99_seconds')!.samples.find((s) => s.labels.get('zone') === 'db01')!.value).toBeCloseTo(db.latency_us.p99! / 1e6, 12);
    expect(fams.get('iofair_policy_idle_while_waiting_seconds')!.samples.map((s) => s.labels.get('policy'))).toEqual(['fifo', 'cap', 'throttle', 'fair']);
    expect(fams.get('iofair_policy_zone_latency_p99_seconds')!.samples.length).toBe(4 * tenants.zones.length);
    expect(fams.get('iofair_verdict_costs_performance')!.samples.map((s) => s.labels.get('kind'))).toEqual(['capping', 'throttling', 'fair']);
  });

  it("each device's parallelism is a gauge; how it was found and how device time was measured are an info metric's labels", () => {
    const par = parseExposition(renderProm(analysisOf('fixtures/parallel-ssd.csv')));
    expect(par.get('iofair_device_parallelism')!.samples.map((s) => [s.labels.get('device'), s.value])).toEqual([['nvme0', 8]]);
    const info = par.get('iofair_device_info')!.samples[0];
    expect([...info.labels]).toEqual([['device', 'nvme0'], ['parallelism_source', 'estimated'], ['attribution', 'fifo_slots']]);
    expect(info.value).toBe(1);
    expect(par.get('iofair_device_service_seconds')!.samples[0].value).toBeGreaterThan(0);
    expect(par.get('iofair_device_cost_model_io_cost_model_rrandiops')!.samples[0].value).toBeGreaterThan(0);
    const fams = parseExposition(renderProm(tenants));
    expect(fams.get('iofair_device_parallelism')!.samples.map((s) => [s.labels.get('device'), s.value])).toEqual([['sd0', 1], ['sd1', 1]]);
  });

  it("latency buckets hold the counts of the trace's own latencies at each bound", () => {
    // latencies straight from the fixture, counted here
    const lines = readFileSync(fixture('tenants.csv'), 'utf8').trim().split('\n').slice(1);
    const lat = new Map<string, number[]>();
    for (const l of lines) {
      const m = /^(\d+),(\d+),(.*),(sd\d),([RW]),(\d+)$/.exec(l)!;
      const zone = m[3].startsWith('"') ? m[3].slice(1, -1).replace(/""/g, '"') : m[3];
      lat.set(zone, [...(lat.get(zone) ?? []), Number(m[2]) - Number(m[1])]);
    }
    const fam = parseExposition(renderProm(tenants)).get('iofair_io_latency_seconds')!;
    for (const z of tenants.zones) {
      const vs = lat.get(z.zone)!;
      const mine = fam.samples.filter((s) => s.labels.get('zone') === safeTerm(z.zone));
      for (const le of LATENCY_BOUNDS_S) {
        const b = mine.find((s) => s.name.endsWith('_bucket') && Number(s.labels.get('le')) === le)!;
        const ns = le * 1e9;
        // exact, except for a value within a histogram bucket (1/128) of the bound
        expect(b.value).toBeGreaterThanOrEqual(vs.filter((v) => v <= ns * (1 - 1 / 128)).length);
        expect(b.value).toBeLessThanOrEqual(vs.filter((v) => v <= ns * (1 + 1 / 128)).length);
      }
      expect(mine.find((s) => s.name.endsWith('_count'))!.value).toBe(vs.length);
      expect(mine.find((s) => s.name.endsWith('_sum'))!.value).toBeCloseTo(vs.reduce((x, y) => x + y, 0) / 1e9, 9);
    }
  });

  it('label values round-trip for any zone name (escapes \\\\, ", newline; controls made visible)', () => {
    fc.assert(
      fc.property(zoneNames(tenants.zones.length), (names) => {
        const fam = parseExposition(renderProm(renamed(tenants, names))).get('iofair_zone_ops')!;
        expect(fam.samples.map((s) => s.labels.get('zone'))).toEqual(names.map(safeTerm));
      }),
      { numRuns: 60 },
    );
  });

  const promtool = spawnSync('promtool', ['--version']).status === 0;
  it.skipIf(!promtool && !process.env.CI)('promtool check metrics accepts it (story and tenants)', () => {
    const story = analysisOf('fixtures/story.csv');
    for (const a of [tenants, story]) {
      const r = spawnSync('promtool', ['check', 'metrics'], { input: renderProm(a), encoding: 'utf8' });
      expect(r.stderr + r.stdout).toBe('');
      expect(r.status).toBe(0);
    }
  });

  it('a metric name from two fields would collide: refused rather than written twice', () => {
    const a = structuredClone(tenants) as Analysis & { zones: (Analysis['zones'][number] & { ops_x?: number })[] };
    (a.zones[0] as unknown as Record<string, unknown>)['busy_seconds'] = 1;
    (a.zones[0] as unknown as Record<string, unknown>)['capacity_seconds'] = 2;
    expect(() => renderProm(a)).toThrow(/twice/);
  });
});

describe('exact-output fixtures stay valid', () => {
  it('the expected prom file passes the strict parser', () => {
    expect(() => parseExposition(readFileSync(new URL('./expected/tenants.prom', import.meta.url), 'utf8'))).not.toThrow();
  });
});
