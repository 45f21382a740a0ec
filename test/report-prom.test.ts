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
    expect(fams.get('iofair_verdict_costs_performance')!.samples.map((s) => [s.labels.get('policy'), s.value])).toEqual([
      ['fifo', 0],
      ['cap', 1],
      ['throttle', 0],
      ['fair', 0],
    ]);
  });

  it('the what-if, loop model and cap ladder figures under their names, with the JSON report\'s values', () => {
    const story = analysisOf('fixtures/story.csv');
    const fams = parseExposition(renderProm(story));
    const one = (name: string, labels: Record<string, string>) => {
      const f = fams.get(name);
      if (!f) throw new Error(`no family ${name}`);
      const hits = f.samples.filter((s) => Object.entries(labels).every(([k, v]) => s.labels.get(k) === v));
      expect(hits.length, `${name} ${JSON.stringify(labels)}`).toBe(1);
      return hits[0].value;
    };
    for (const p of story.policies) {
      const pl = { policy: p.policy, loop: p.loop };
      expect(one('iofair_policy_in_window_ops', pl)).toBe(p.in_window!.ops);
      expect(one('iofair_policy_in_window_bytes', pl)).toBe(p.in_window!.bytes);
      expect(one('iofair_policy_in_window_device_seconds', pl)).toBe(p.in_window!.device_s);
      expect(one('iofair_policy_backlog_ops', pl)).toBe(p.backlog!.ops);
      expect(one('iofair_policy_backlog_bytes', pl)).toBe(p.backlog!.bytes);
      expect(one('iofair_policy_work_lost_ops_ratio', pl)).toBe(p.work_lost!.ops);
      expect(one('iofair_policy_work_lost_bytes_ratio', pl)).toBe(p.work_lost!.bytes);
      expect(one('iofair_policy_work_lost_device_time_ratio', pl)).toBe(p.work_lost!.device_s);
      expect(one('iofair_policy_idle_while_waiting_ratio', pl)).toBe(p.idle_while_waiting_frac);
      for (const d of p.devices) {
        expect(one('iofair_policy_device_idle_while_waiting_seconds', { ...pl, device: d.device })).toBe(d.idle_while_waiting_s);
        expect(one('iofair_policy_device_idle_while_waiting_ratio', { ...pl, device: d.device })).toBe(d.idle_while_waiting_frac);
      }
      for (const z of p.zones) expect(one('iofair_policy_zone_backlog_ops', { ...pl, zone: z.zone })).toBe(z.backlog_ops);
    }
    // the cap left 23,583 IOs undone: a fraction and a count, never the one read as the other
    expect(one('iofair_policy_backlog_ops', { policy: 'cap' })).toBe(23_583);
    expect(one('iofair_policy_work_lost_ops_ratio', { policy: 'cap' })).toBeCloseTo(0.881, 3);
    for (const z of story.zones)
      expect(one('iofair_zone_loop_info', { zone: z.zone, model: z.loop!.model, source: z.loop!.source, suggests: z.loop!.suggests })).toBe(1);
    expect(one('iofair_zone_loop_follow_ratio', { zone: 'db01' })).toBe(story.zones.find((z) => z.zone === 'db01')!.loop!.follow_fraction);
    const L = story.cap_ladder!;
    expect(one('iofair_cap_ladder_info', { unit: 'iops', protected_zone: 'db01' })).toBe(1);
    expect(one('iofair_cap_ladder_levels', {})).toBe(L.levels.length);
    expect(one('iofair_cap_ladder_cheapest_protecting_level', {})).toBe(L.cheapest_protecting_level);
    expect(one('iofair_cap_ladder_protects_without_cost', {})).toBe(0);
    for (const l of L.levels) {
      const ll = { level: String(l.level) };
      expect(one('iofair_cap_ladder_level_idle_while_waiting_ratio', ll)).toBe(l.idle_while_waiting_frac);
      expect(one('iofair_cap_ladder_level_work_lost_device_time_ratio', ll)).toBe(l.work_lost!.device_s);
      expect(one('iofair_cap_ladder_level_in_window_ops', ll)).toBe(l.in_window!.ops);
      expect(one('iofair_cap_ladder_level_costs_performance', ll)).toBe(l.costs_performance ? 1 : 0);
      expect(one('iofair_cap_ladder_level_protected_p99_seconds', { ...ll, zone: 'db01' })).toBeCloseTo(l.protected_p99_us! / 1e6, 12);
      expect(one('iofair_cap_ladder_level_protected_p99_vs_fair_ratio', { ...ll, zone: 'db01' })).toBe(l.protected_p99_vs_fair);
      expect(one('iofair_cap_ladder_level_protects', { ...ll, zone: 'db01' })).toBe(l.protects ? 1 : 0);
      expect(one('iofair_cap_ladder_level_device_capacity_iops', { ...ll, device: 'sd0' })).toBe(l.capacity_per_s[0].per_s);
      expect(one('iofair_cap_ladder_level_device_protected_limit_iops', { ...ll, device: 'sd0', zone: 'db01' })).toBe(l.protected_limit_per_s[0].per_s);
      expect(one('iofair_cap_ladder_level_device_idle_while_waiting_seconds', { ...ll, device: 'sd0' })).toBe(l.devices![0].idle_while_waiting_s);
      for (const z of l.zones!) {
        expect(one('iofair_cap_ladder_level_zone_latency_p99_seconds', { ...ll, zone: z.zone })).toBeCloseTo(z.latency_us.p99! / 1e6, 12);
        expect(one('iofair_cap_ladder_level_zone_backlog_ops', { ...ll, zone: z.zone })).toBe(z.backlog_ops);
      }
    }
    // every family has its own description, not the generic one
    for (const f of fams.values()) expect(f.help, f.name).not.toMatch(/field of that name/);
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
