// iofair merge: two halves of a trace, analysed apart and merged, against the whole trace
// analysed at once; refusals; the merge of one report is that report.

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Analysis } from '../src/core/analysis.js';
import { mergeReports, MergeError } from '../src/core/merge.js';
import { Histogram } from '../src/core/histogram.js';
import { exactQuantile, fixture, runCli } from './helpers.js';
import { parseExposition } from './prom-parser.js';

let dir: string;
let whole: Analysis;
let halves: [Analysis, Analysis];
let merged: Analysis;
let files: [string, string];
const latencies = new Map<string, number[]>();

/** The trace's rows split at the first instant after the middle where no IO is in flight on any disk. */
function splitAtIdle(text: string): [string, string] {
  const [header, ...rows] = text.trim().split('\n');
  const ios = rows.map((r) => {
    const [issue, done] = r.split(',').map(Number);
    return { r, issue, done };
  });
  const mid = (ios[0].issue + ios[ios.length - 1].done) / 2;
  const byIssue = [...ios].sort((a, b) => a.issue - b.issue);
  let maxDone = -Infinity;
  let cut = NaN;
  for (const io of byIssue) {
    if (io.issue > mid && io.issue > maxDone) {
      cut = (io.issue + maxDone) / 2;
      break;
    }
    maxDone = Math.max(maxDone, io.done);
  }
  const a = ios.filter((io) => io.issue < cut).map((io) => io.r);
  const b = ios.filter((io) => io.issue >= cut).map((io) => io.r);
  return [[header, ...a].join('\n') + '\n', [header, ...b].join('\n') + '\n'];
}

function analyze(path: string): Analysis {
  const r = runCli(['analyze', '--json', path]);
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'iofair-merge-'));
  const text = readFileSync(fixture('tenants.csv'), 'utf8');
  for (const row of text.trim().split('\n').slice(1)) {
    const m = /^(\d+),(\d+),(.*),sd\d,[RW],\d+$/.exec(row)!;
    const zone = m[3].startsWith('"') ? m[3].slice(1, -1).replace(/""/g, '"') : m[3];
    latencies.set(zone, [...(latencies.get(zone) ?? []), Number(m[2]) - Number(m[1])]);
  }
  const [a, b] = splitAtIdle(text);
  writeFileSync(join(dir, 'a.csv'), a);
  writeFileSync(join(dir, 'b.csv'), b);
  whole = analyze(fixture('tenants.csv'));
  halves = [analyze(join(dir, 'a.csv')), analyze(join(dir, 'b.csv'))];
  files = [join(dir, 'a.json'), join(dir, 'b.json')];
  halves.forEach((h, i) => writeFileSync(files[i], JSON.stringify(h)));
  const r = runCli(['merge', '--json', ...files]);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  merged = JSON.parse(r.stdout);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('iofair merge of two halves of a trace (split where the disks are idle)', () => {
  it('has the same counts, bytes, device time and fair time as the whole trace', () => {
    expect(halves[0].input.records + halves[1].input.records).toBe(whole.input.records);
    expect(halves[0].input.records).toBeGreaterThan(100);
    expect(merged.input.records).toBe(whole.input.records);
    expect(merged.zones.map((z) => z.zone).sort()).toEqual(whole.zones.map((z) => z.zone).sort());
    for (const w of whole.zones) {
      const m = merged.zones.find((z) => z.zone === w.zone)!;
      expect([m.ops, m.read_ops, m.write_ops, m.bytes]).toEqual([w.ops, w.read_ops, w.write_ops, w.bytes]);
      expect(m.device_time_s).toBeCloseTo(w.device_time_s!, 9);
      expect(m.fair_time_s).toBeCloseTo(w.fair_time_s!, 9);
      expect(m.device_share).toBeCloseTo(w.device_share!, 9);
      expect(m.deviation).toBeCloseTo(w.deviation!, 9);
    }
    expect(merged.fairness.jain).toBeCloseTo(whole.fairness.jain!, 9);
    for (const w of whole.devices) {
      const m = merged.devices.find((d) => d.device === w.device)!;
      expect(m.ops).toBe(w.ops);
      expect(m.busy_s).toBeCloseTo(w.busy_s, 9);
    }
  });

  it("has the whole trace's latency histogram, so its p99 is within the histogram's error of the exact p99", () => {
    for (const w of whole.zones) {
      const m = merged.zones.find((z) => z.zone === w.zone)!;
      expect(m.latency_histogram).toEqual(w.latency_histogram);
      expect(m.latency_us.p99).toBe(w.latency_us.p99);
      const exact = exactQuantile(latencies.get(w.zone)!, 0.99) / 1e3;
      expect(Math.abs(m.latency_us.p99! - exact) / exact).toBeLessThanOrEqual(1 / 256);
    }
  });

  it('covers the two windows (the idle gap between them is in neither)', () => {
    expect(merged.input.duration_s).toBeCloseTo(halves[0].input.duration_s! + halves[1].input.duration_s!, 9);
    expect(merged.input.start_s).toBe(whole.input.start_s);
    expect(merged.input.end_s).toBe(whole.input.end_s);
    const z = merged.zones[0];
    expect(z.iops).toBeCloseTo(z.ops / merged.input.duration_s!, 9);
  });

  it('adds what adds up in the what-if replays and leaves the rest null, saying so', () => {
    expect(merged.policies.map((p) => p.policy)).toEqual(['fifo', 'cap', 'throttle', 'fair']);
    for (const p of merged.policies) {
      expect(p.makespan_s).toBeNull();
      expect(p.jain).toBeNull();
      expect(p.idle_while_waiting_s).toBeCloseTo(halves[0].policies.find((x) => x.policy === p.policy)!.idle_while_waiting_s! + halves[1].policies.find((x) => x.policy === p.policy)!.idle_while_waiting_s!, 9);
    }
    for (const name of ['fifo', 'fair']) {
      const m = merged.policies.find((p) => p.policy === name)!;
      const w = whole.policies.find((p) => p.policy === name)!;
      for (const z of w.zones) expect(m.zones.find((x) => x.zone === z.zone)!.ops_completed).toBe(z.ops_completed);
    }
    // fifo reproduces the observation: its merged histograms are the observed ones
    for (const z of merged.policies[0].zones) {
      expect(z.latency_histogram).toEqual(merged.zones.find((x) => x.zone === z.zone)!.latency_histogram);
      expect(z.slowdown).toBeCloseTo(1, 12);
    }
    expect(merged.verdict).toBeNull();
    expect(merged.warnings.join('\n')).toMatch(/makespan, Jain's index and idle share of the window/);
    expect(merged.warnings.join('\n')).toMatch(/no verdict/);
    expect(merged.warnings[0]).toBe(`merged 2 reports (${files.join(', ')})`);
  });

  it("the timelines combine: every zone's device and fair time over the buckets add up to its totals", () => {
    const t = merged.timeline!;
    expect(t.busy_s.length).toBeLessThanOrEqual(120);
    for (const z of t.zones) {
      const m = merged.zones.find((x) => x.zone === z.zone)!;
      expect(z.device_time_s.reduce((s, v) => s + v, 0)).toBeCloseTo(m.device_time_s!, 6);
      expect(z.fair_time_s.reduce((s, v) => s + v, 0)).toBeCloseTo(m.fair_time_s!, 6);
    }
    expect(t.start_s).toBeCloseTo(Math.min(halves[0].timeline!.start_s, halves[1].timeline!.start_s), 12);
  });

  it('renders in any format: prom parses, with the summed histograms', () => {
    const r = runCli(['merge', '--format', 'prom', ...files]);
    expect(r.status).toBe(0);
    const fam = parseExposition(r.stdout).get('iofair_io_latency_seconds')!;
    const counts = fam.samples.filter((s) => s.name.endsWith('_count'));
    expect(counts.reduce((s, c) => s + c.value, 0)).toBe(whole.input.records);
    for (const f of ['table', 'csv', 'markdown', 'html']) expect(runCli(['merge', '--format', f, ...files]).status).toBe(0);
  });
});

describe('iofair merge refuses what it cannot merge', () => {
  it('reports of different schema versions (exit 3, naming them)', () => {
    const v2 = join(dir, 'v2.json');
    writeFileSync(v2, JSON.stringify({ ...halves[1], schema_version: 2 }));
    const r = runCli(['merge', files[0], v2]);
    expect(r.status).toBe(3);
    expect(r.stderr).toContain(`iofair: the reports have different schema versions (${files[0]}: 1, ${v2}: 2); merge reports of one version`);
  });

  it('a file that is not a report, or one of the wrong shape, or missing (exit 3, naming it)', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"schema_version": 1, "input": ');
    expect(runCli(['merge', bad]).stderr).toMatch(new RegExp(`${bad}: not a JSON report \\(`));
    const shape = join(dir, 'shape.json');
    const broken = structuredClone(halves[0]) as unknown as { zones: { ops: unknown }[] };
    broken.zones[1].ops = 'many';
    writeFileSync(shape, JSON.stringify(broken));
    const r = runCli(['merge', files[0], shape]);
    expect(r.status).toBe(3);
    expect(r.stderr).toContain(`${shape}: zones[1].ops: expected a number, found "many"`);
    expect(runCli(['merge', join(dir, 'nope.json')]).stderr).toContain('nope.json: cannot read (ENOENT)');
  });

  it('work in the window, not done or idle of the wrong shape is refused, naming the field', () => {
    const bad = (edit: (a: Analysis) => void) => {
      const b = structuredClone(halves[0]);
      edit(b);
      return () => mergeReports([{ name: 'x.json', report: b }, { name: 'y.json', report: halves[1] }], 't');
    };
    expect(bad((b) => ((b.policies[1].backlog as unknown as { ops: unknown }).ops = 'many'))).toThrow(/x\.json: policies\[1\]\.backlog\.ops: expected a number, found "many"/);
    expect(bad((b) => ((b.policies[0] as unknown as { in_window: unknown }).in_window = 7))).toThrow(/x\.json: policies\[0\]\.in_window: expected an object, found 7/);
    expect(bad((b) => ((b.policies[2].devices[0] as unknown as { idle_while_waiting_s: unknown }).idle_while_waiting_s = null))).toThrow(
      /x\.json: policies\[2\]\.devices\[0\]\.idle_while_waiting_s: expected a number, found null/,
    );
  });

  it('a histogram that does not add up is refused, not merged', () => {
    const h = structuredClone(halves[0]);
    h.zones[0].latency_histogram!.count += 1;
    expect(() => mergeReports([{ name: 'x.json', report: h }], 't')).toThrow(MergeError);
    expect(() => mergeReports([{ name: 'x.json', report: h }], 't')).toThrow(/x\.json: zones\[0\]\.latency_histogram: histogram count/);
  });
});

describe('work in the window (policies[].in_window)', () => {
  it('adds up, unknown stays unknown, and the throughput loss is recomputed from the sums', () => {
    const withWork = (a: Analysis, fifo: number, cap: number) => {
      const b = structuredClone(a) as Analysis & { policies: { in_window?: unknown }[] };
      for (const p of b.policies) p.in_window = { ops: 10, bytes: p.policy === 'cap' ? null : 100, device_s: p.policy === 'cap' ? cap : fifo };
      return b;
    };
    const m = mergeReports(
      [
        { name: 'a', report: withWork(halves[0], 1, 0.9) },
        { name: 'b', report: withWork(halves[1], 3, 2.1) },
      ],
      't',
    ) as Analysis & { policies: { in_window?: { ops: number; bytes: number | null; device_s: number | null } }[] };
    const cap = m.policies.find((p) => p.policy === 'cap')!;
    expect(cap.in_window).toEqual({ ops: 20, bytes: null, device_s: 3 });
    expect(cap.throughput_loss).toBeCloseTo(1 - 3 / 4, 12);
    expect(m.policies.find((p) => p.policy === 'fifo')!.throughput_loss).toBe(0);
  });
});

describe("devices' parallelism and delivered service", () => {
  it('keeps what the reports agree on, adds the service, and leaves the rest null, saying so', () => {
    // both halves of tenants.csv: sd0 and sd1 serial (K = 1) in each
    const m = mergeReports(halves.map((h, i) => ({ name: String(i), report: JSON.parse(JSON.stringify(h)) })), 't');
    for (const d of m.devices) {
      const parts = halves.map((h) => h.devices.find((x) => x.device === d.device)!);
      expect(d.parallelism).toBe(1);
      expect(d.parallelism_source).toBe(parts[0].parallelism_source);
      expect(d.attribution).toBe('busy_period');
      expect(d.service_s).toBeCloseTo(parts[0].service_s! + parts[1].service_s!, 12);
      // the share of the device's capacity in use over the merged window: service ÷ (K × window)
      expect(d.utilization).toBeCloseTo(d.service_s! / m.input.duration_s!, 12);
      // fitted per report: not combined
      expect(d.cost_model).toBeNull();
      expect(d.parallelism_evidence).toBeNull();
    }
    expect(m.share_measure).toBe('service');
    expect(m.warnings.join('\n')).toMatch(/cost model is fitted per report and does not combine/);

    // one report says sd0 serves 4 at once: its parallelism is unknown once merged, and busy time is the utilization
    const b = JSON.parse(JSON.stringify(halves[1])) as Analysis;
    const d1 = b.devices.find((d) => d.device === 'sd0')!;
    d1.parallelism = 4;
    d1.parallelism_source = 'option';
    d1.attribution = 'shared_slots';
    const mixed = mergeReports([{ name: 'a', report: JSON.parse(JSON.stringify(halves[0])) }, { name: 'b', report: b }], 't');
    const sd0 = mixed.devices.find((d) => d.device === 'sd0')!;
    expect([sd0.parallelism, sd0.parallelism_source, sd0.attribution]).toEqual([null, null, null]);
    expect(sd0.utilization).toBeCloseTo(sd0.busy_s / mixed.input.duration_s!, 12);
    expect(mixed.warnings.join('\n')).toMatch(/device sd0: its parallelism differs between the reports/);

    // reports that measured device time differently
    const c = JSON.parse(JSON.stringify(halves[1])) as Analysis;
    c.share_measure = 'cost_model';
    const both = mergeReports([{ name: 'a', report: JSON.parse(JSON.stringify(halves[0])) }, { name: 'c', report: c }], 't');
    expect(both.share_measure).toBeNull();
    expect(both.warnings.join('\n')).toMatch(/measure device time differently \(share_measure service, cost_model\)/);
  });

  it('a report from before these fields merges: they are null', () => {
    const old = (a: Analysis) => {
      const o = JSON.parse(JSON.stringify(a));
      delete o.share_measure;
      for (const d of o.devices) for (const k of ['parallelism', 'parallelism_source', 'parallelism_evidence', 'service_s', 'attribution', 'cost_model']) delete d[k];
      return o;
    };
    const m = mergeReports(halves.map((h, i) => ({ name: String(i), report: old(h) })), 't');
    for (const d of m.devices) expect([d.parallelism, d.service_s, d.attribution, d.cost_model]).toEqual([null, null, null, null]);
    expect(m.share_measure).toBeNull();
  });
});

describe('two halves of a trace where a cap leaves work undone (story.csv cut at 20 s)', () => {
  let parts: [Analysis, Analysis];
  let m: Analysis;
  beforeAll(() => {
    const [header, ...rows] = readFileSync(fixture('story.csv'), 'utf8').trim().split('\n');
    const issue = (r: string) => BigInt(r.slice(0, r.indexOf(',')));
    const first = rows.reduce((lo, r) => (issue(r) < lo ? issue(r) : lo), issue(rows[0]));
    const cut = first + 20_000_000_000n;
    const halvesText = [rows.filter((r) => issue(r) < cut), rows.filter((r) => issue(r) >= cut)];
    const paths = halvesText.map((h, i) => join(dir, `story-${i}.csv`));
    halvesText.forEach((h, i) => writeFileSync(paths[i], [header, ...h].join('\n') + '\n'));
    parts = [analyze(paths[0]), analyze(paths[1])];
    m = mergeReports(parts.map((p, i) => ({ name: `story-${i}.json`, report: JSON.parse(JSON.stringify(p)) })), 't');
  });

  it('work in the window, work not done at its end and idle seconds are the sums of the halves', () => {
    const cap0 = parts[0].policies.find((p) => p.policy === 'cap')!;
    // the premise: the cap leaves IO undone in each half, so the sums are of nonzero parts
    expect(parts.every((a) => a.policies.find((p) => p.policy === 'cap')!.backlog!.ops > 1000)).toBe(true);
    expect(cap0.devices[0].idle_while_waiting_s).toBeGreaterThan(1);
    for (const p of m.policies) {
      const [a, b] = parts.map((x) => x.policies.find((y) => y.policy === p.policy)!);
      expect(p.in_window!.ops).toBe(a.in_window!.ops + b.in_window!.ops);
      expect(p.in_window!.bytes).toBe(a.in_window!.bytes! + b.in_window!.bytes!);
      expect(p.in_window!.device_s).toBeCloseTo(a.in_window!.device_s! + b.in_window!.device_s!, 9);
      expect(p.backlog!.ops).toBe(a.backlog!.ops + b.backlog!.ops);
      expect(p.backlog!.bytes).toBe(a.backlog!.bytes! + b.backlog!.bytes!);
      expect(p.backlog!.device_s).toBeCloseTo(a.backlog!.device_s! + b.backlog!.device_s!, 9);
      expect(p.idle_while_waiting_s).toBeCloseTo(a.idle_while_waiting_s! + b.idle_while_waiting_s!, 9);
      expect(p.devices.map((d) => d.device)).toEqual(['sd0']);
      expect(p.devices[0].idle_while_waiting_s).toBeCloseTo(a.devices[0].idle_while_waiting_s + b.devices[0].idle_while_waiting_s, 9);
      // shares of one report's window do not add up: unknown, and the notes say why
      expect(p.idle_while_waiting_frac).toBeNull();
      expect(p.devices[0].idle_while_waiting_frac).toBeNull();
      for (const z of p.zones) {
        const [za, zb] = [a, b].map((x) => x.zones.find((y) => y.zone === z.zone)!);
        expect(z.backlog_ops).toBe(za.backlog_ops! + zb.backlog_ops!);
        expect(z.ops_completed).toBe(za.ops_completed + zb.ops_completed);
        expect(z.finish_s).toBeNull();
      }
    }
  });

  it("the share lost against fifo is recomputed from the sums", () => {
    const sum = (policy: string, unit: 'ops' | 'bytes' | 'device_s') => parts.reduce((s, a) => s + a.policies.find((p) => p.policy === policy)!.in_window![unit]!, 0);
    const cap = m.policies.find((p) => p.policy === 'cap')!;
    for (const unit of ['ops', 'bytes', 'device_s'] as const) expect(cap.work_lost![unit]).toBeCloseTo(1 - sum('cap', unit) / sum('fifo', unit), 12);
    expect(cap.throughput_loss).toBeCloseTo(cap.work_lost!.device_s!, 12);
    expect(m.policies.find((p) => p.policy === 'fifo')!.work_lost).toEqual({ ops: 0, bytes: 0, device_s: 0 });
  });

  it('the cap ladder and the verdict are left out, with the reason', () => {
    expect(parts.every((a) => a.cap_ladder !== null)).toBe(true);
    expect(m.cap_ladder).toBeNull();
    expect(m.verdict).toBeNull();
    const notes = m.warnings.join('\n');
    expect(notes).toMatch(/no cap ladder: each report sets its levels from its own devices' IOPS per busy second, so a level is a different cap in each report/);
    expect(notes).toMatch(/idle share of the window \(idle_while_waiting_frac, a share of one report's window; the idle seconds add up\)/);
    // the premise of "a different cap": the halves' levels differ
    expect(parts[0].cap_ladder!.levels[0].capacity_per_s).not.toEqual(parts[1].cap_ladder!.levels[0].capacity_per_s);
  });
});

describe('merging one report', () => {
  it('changes nothing but the tool version: a conversion to another format', () => {
    const one = mergeReports([{ name: 'a', report: JSON.parse(JSON.stringify(halves[0])) }], '9.9.9');
    expect({ ...one, tool: halves[0].tool }).toEqual(halves[0]);
    expect(one.tool.version).toBe('9.9.9');
    const viaMerge = runCli(['merge', '--format', 'csv', files[0]]).stdout;
    expect(viaMerge).toBe(runCli(['analyze', '--format', 'csv', join(dir, 'a.csv')]).stdout);
  });

  it('an NDJSON file from --every counts by its last line', () => {
    const nd = join(dir, 'live.ndjson');
    writeFileSync(nd, JSON.stringify({ ...halves[0], zones: [] }) + '\n' + JSON.stringify(halves[0]) + '\n');
    const r = runCli(['merge', '--json', nd]);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).zones.length).toBe(halves[0].zones.length);
  });

  it('merging is independent of the order of the reports (counts and histograms)', () => {
    const ab = mergeReports(halves.map((h, i) => ({ name: `${i}`, report: h })), 't');
    const ba = mergeReports([...halves].reverse().map((h, i) => ({ name: `${i}`, report: h })), 't');
    const key = (a: Analysis) => a.zones.map((z) => [z.zone, z.ops, z.bytes, z.latency_histogram]).sort();
    expect(key(ab)).toEqual(key(ba));
    const h = Histogram.fromJson(ab.zones[0].latency_histogram!);
    expect(h.count).toBe(ab.zones[0].ops);
  });
});
