// The csv format, read back with csv-parse: columns, values, and formula escaping.

import { describe, it, expect, beforeAll } from 'vitest';
import fc from 'fast-check';
import { parse } from 'csv-parse/sync';
import type { Analysis } from '../src/core/analysis.js';
import { renderCsv } from '../src/report/csv.js';
import { safeTerm } from '../src/report/sanitize.js';
import { analysisOf, renamed, zoneNames } from './report-helpers.js';

let tenants: Analysis;
let story: Analysis;
beforeAll(() => {
  tenants = analysisOf('fixtures/tenants.csv');
  story = analysisOf('fixtures/story.csv');
});

const rowsOf = (a: Analysis) => parse(renderCsv(a), { columns: true }) as Record<string, string>[];
/** A cell as the JSON value it stands for: '' is null, 'true'/'false' booleans, numbers numbers. */
const value = (cell: string | undefined) => (cell === undefined || cell === '' ? null : cell === 'true' ? true : cell === 'false' ? false : Number(cell));

describe('csv', () => {
  it('one row per zone observed and per zone × policy, units in the names, numbers as in the JSON', () => {
    const rows = parse(renderCsv(tenants), { columns: true }) as Record<string, string>[];
    const header = Object.keys(rows[0]);
    for (const c of ['section', 'policy', 'loop', 'zone', 'ops', 'bytes', 'latency_p99_us', 'latency_p999_us', 'device_time_s', 'fair_time_s', 'device_share', 'deviation', 'throughput_loss', 'idle_while_waiting_s', 'makespan_s', 'ops_completed', 'slowdown'])
      expect(header).toContain(c);
    const observed = rows.filter((r) => r.section === 'observed');
    const whatif = rows.filter((r) => r.section === 'whatif');
    expect(observed.length).toBe(tenants.zones.length);
    expect(whatif.length).toBe(tenants.policies.reduce((s, p) => s + p.zones.length, 0));
    const db = observed.find((r) => r.zone === 'db01')!;
    const z = tenants.zones.find((x) => x.zone === 'db01')!;
    expect(Number(db.ops)).toBe(z.ops);
    expect(Number(db.device_time_s)).toBe(z.device_time_s);
    expect(Number(db.latency_p99_us)).toBe(z.latency_us.p99);
    expect(Number(db.deviation)).toBe(z.deviation);
    const cap = whatif.find((r) => r.policy === 'cap' && r.zone === 'db01')!;
    const pz = tenants.policies.find((p) => p.policy === 'cap')!.zones.find((x) => x.zone === 'db01')!;
    expect(Number(cap.latency_p99_us)).toBe(pz.latency_us.p99);
    const capPolicy = rows.find((r) => r.section === 'whatif_policy' && r.policy === 'cap')!;
    expect(Number(capPolicy.idle_while_waiting_s)).toBe(tenants.policies.find((p) => p.policy === 'cap')!.idle_while_waiting_s);
    expect(JSON.parse(capPolicy.params).spec).toBe('auto');
    // a negative number stays a number
    expect(observed.find((r) => Number(r.deviation) < 0)!.deviation).toMatch(/^-0\.\d/);
  });

  it("one row per device: its parallelism, how its device time was measured, its cost model", () => {
    const rows = parse(renderCsv(tenants), { columns: true }) as Record<string, string>[];
    const devices = rows.filter((r) => r.section === 'device');
    expect(devices.map((r) => r.device)).toEqual(tenants.devices.map((d) => d.device));
    for (const r of devices) {
      const d = tenants.devices.find((x) => x.device === r.device)!;
      expect(Number(r.parallelism)).toBe(d.parallelism);
      expect(r.attribution).toBe(d.attribution);
      expect(Number(r.service_s)).toBe(d.service_s);
      expect(Number(r.cost_model_io_cost_model_rrandiops)).toBe(d.cost_model!.io_cost_model.rrandiops);
      expect(r.cost_model_io_cost_model_line).toBe(d.cost_model!.io_cost_model_line);
      expect(r.zone).toBe('');
    }
  });

  it('a zone name a spreadsheet would run gets a leading quote; every name survives the round trip', () => {
    fc.assert(
      fc.property(zoneNames(tenants.zones.length), (names) => {
        const rows = parse(renderCsv(renamed(tenants, names)), { columns: true, relax_quotes: false }) as Record<string, string>[];
        const got = rows.filter((r) => r.section === 'observed').map((r) => r.zone);
        const want = names.map((n) => {
          const s = safeTerm(n);
          return /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/.test(s) ? `'${s}` : s;
        });
        expect(got).toEqual(want);
      }),
      { numRuns: 60 },
    );
  });

  it('one row per policy with its work in the window, lost and not done, and per policy and device its idle time', () => {
    const rows = rowsOf(story);
    const policies = rows.filter((r) => r.section === 'whatif_policy');
    expect(policies.map((r) => r.policy)).toEqual(story.policies.map((p) => p.policy));
    for (const p of story.policies) {
      const r = policies.find((x) => x.policy === p.policy)!;
      expect(value(r.in_window_ops)).toBe(p.in_window!.ops);
      expect(value(r.in_window_bytes)).toBe(p.in_window!.bytes);
      expect(value(r.in_window_device_s)).toBe(p.in_window!.device_s);
      expect(value(r.backlog_ops)).toBe(p.backlog!.ops);
      expect(value(r.backlog_bytes)).toBe(p.backlog!.bytes);
      expect(value(r.work_lost_ops)).toBe(p.work_lost!.ops);
      expect(value(r.work_lost_device_s)).toBe(p.work_lost!.device_s);
      expect(value(r.costs_performance)).toBe(story.verdict!.policies.find((f) => f.policy === p.policy)!.costs_performance);
      const devices = rows.filter((x) => x.section === 'whatif_device' && x.policy === p.policy);
      expect(devices.map((d) => [d.device, value(d.idle_while_waiting_s), value(d.idle_while_waiting_frac)])).toEqual(
        p.devices.map((d) => [d.device, d.idle_while_waiting_s, d.idle_while_waiting_frac]),
      );
      // a zone's row carries the zone's IOs not done, not the policy's
      for (const z of p.zones) {
        const zr = rows.find((x) => x.section === 'whatif' && x.policy === p.policy && x.zone === z.zone)!;
        expect(value(zr.backlog_ops)).toBe(z.backlog_ops);
        expect(value(zr.finish_s)).toBe(z.finish_s);
      }
    }
    // the cap left most of the backup undone: the policy's backlog is the sum of its zones'
    const cap = story.policies.find((p) => p.policy === 'cap')!;
    expect(cap.backlog!.ops).toBe(cap.zones.reduce((s, z) => s + z.backlog_ops!, 0));
    expect(cap.backlog!.ops).toBeGreaterThan(20_000);
  });

  it('the cap ladder: a row per level, per level and device, per level and zone, as in the JSON', () => {
    const rows = rowsOf(story);
    const L = story.cap_ladder!;
    const levels = rows.filter((r) => r.section === 'ladder');
    expect(levels.map((r) => value(r.level))).toEqual(L.levels.map((l) => l.level));
    for (const l of L.levels) {
      const r = levels.find((x) => value(x.level) === l.level)!;
      expect(r.protected_zone).toBe('db01');
      expect(r.ladder_unit).toBe('iops');
      expect(value(r.protected_p99_us)).toBe(l.protected_p99_us);
      expect(value(r.protected_p99_vs_fair)).toBe(l.protected_p99_vs_fair);
      expect(value(r.idle_while_waiting_frac)).toBe(l.idle_while_waiting_frac);
      expect(value(r.work_lost_ops)).toBe(l.work_lost!.ops);
      expect(value(r.protects)).toBe(l.protects);
      expect(value(r.costs_performance)).toBe(l.costs_performance);
      expect(value(r.cheapest_protecting_level)).toBe(L.cheapest_protecting_level);
      const dev = rows.filter((x) => x.section === 'ladder_device' && value(x.level) === l.level);
      expect(dev.map((d) => [d.device, value(d.capacity_iops), value(d.protected_limit_iops), value(d.idle_while_waiting_s)])).toEqual([
        ['sd0', l.capacity_per_s[0].per_s, l.protected_limit_per_s[0].per_s, l.devices![0].idle_while_waiting_s],
      ]);
      const zones = rows.filter((x) => x.section === 'ladder_zone' && value(x.level) === l.level);
      expect(zones.map((z) => [z.zone, value(z.latency_p99_us), value(z.backlog_ops), value(z.ops_completed)])).toEqual(
        l.zones!.map((z) => [z.zone, z.latency_us.p99, z.backlog_ops, z.ops_completed]),
      );
      // the protected zone's row and the level's summary agree
      expect(value(zones.find((z) => z.zone === 'db01')!.latency_p99_us)).toBe(value(r.protected_p99_us));
    }
  });

  it('the columns do not depend on whether a zone waited for its own IOs (issue lag known or not)', () => {
    const header = (a: Analysis) => renderCsv(a).split('\n')[0];
    const closed = analysisOf('fixtures/story.csv', ['--loop', 'closed']);
    expect(header(closed)).toBe(header(story));
    const lag = rowsOf(closed).find((r) => r.section === 'whatif' && r.policy === 'cap' && r.zone === 'db01')!;
    expect(value(lag.issue_lag_p99_us)).toBe(closed.policies.find((p) => p.policy === 'cap')!.zones.find((z) => z.zone === 'db01')!.issue_lag_us!.p99);
  });

  it('a protected zone named like a formula is escaped in the ladder rows too', () => {
    const a = renamed(story, ['=cmd|x', '@SUM(A1)']);
    const rows = rowsOf(a);
    const pz = a.cap_ladder!.protected_zone!;
    expect(rows.filter((r) => r.section === 'ladder').every((r) => r.protected_zone === `'${pz}`)).toBe(true);
    expect(new Set(rows.filter((r) => r.section === 'ladder_zone').map((r) => r.zone))).toEqual(new Set([`'=cmd|x`, `'@SUM(A1)`]));
  });
});
