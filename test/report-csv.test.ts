// The csv format, read back with csv-parse: columns, values, and formula escaping.

import { describe, it, expect, beforeAll } from 'vitest';
import fc from 'fast-check';
import { parse } from 'csv-parse/sync';
import type { Analysis } from '../src/core/analysis.js';
import { renderCsv } from '../src/report/csv.js';
import { safeTerm } from '../src/report/sanitize.js';
import { analysisOf, renamed, zoneNames } from './report-helpers.js';

let tenants: Analysis;
beforeAll(() => {
  tenants = analysisOf('fixtures/tenants.csv');
});

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
    expect(Number(cap.idle_while_waiting_s)).toBe(tenants.policies.find((p) => p.policy === 'cap')!.idle_while_waiting_s);
    expect(JSON.parse(cap.params).spec).toBe('auto');
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
});
