import { describe, it, expect, onTestFinished } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeEvents, type Ev } from './analysis-helpers.js';
import { randomTrace } from './trace-gen.js';
import { runCli } from './helpers.js';

// Results do not depend on where the trace sits in time: every timestamp shifted by the same
// amount gives the same report, but for the trace's absolute start and end. (Inside the replay,
// times are relative to the span's start, and the observe pass counts its capacity seconds from
// the first arrival, so no floating-point tie is decided differently.)

/** The report without what a shift must change. */
function comparable(a: Record<string, unknown>): unknown {
  const input = { ...(a.input as Record<string, unknown>) };
  delete input.start_s;
  delete input.end_s;
  delete input.sources;
  // the timeline's start is an absolute time too; its buckets are relative to it
  const timeline = a.timeline === null || a.timeline === undefined ? a.timeline : { ...(a.timeline as Record<string, unknown>) };
  if (timeline) delete timeline.start_s;
  return { ...a, input, timeline };
}

const shifted = (ios: Ev[], by: number): Ev[] => ios.map((io) => ({ ...io, issue: io.issue + by, done: io.done + by }));

describe('shift invariance', () => {
  // open and closed-loop zones, weights, one to three devices; caps that bind (the ladder and cap auto)
  const traces = [3, 17, 29, 101, 2024].map((seed) => {
    const t = randomTrace(seed, 600, 2);
    return { seed, ios: t.ios, weights: Object.fromEntries(t.zones.map((z) => [z.name, z.weight])) };
  });

  for (const by of [1, 1e9]) {
    it(`every timestamp shifted by ${by === 1 ? '1 ns' : '1 s'}: the same report, to the last digit`, () => {
      for (const t of traces) {
        const a = analyzeEvents(t.ios, { weights: t.weights }).json;
        const b = analyzeEvents(shifted(t.ios, by), { weights: t.weights }).json;
        expect(comparable(b), `seed ${t.seed}`).toEqual(comparable(a));
        expect(b.input.start_s! - a.input.start_s!).toBeCloseTo(by / 1e9, 9);
        // the traces exercise what a shift could disturb: a binding cap and closed-loop zones
        expect(a.policies.find((p) => p.policy === 'cap')!.idle_while_waiting_s!).toBeGreaterThanOrEqual(0);
      }
      expect(traces.some((t) => analyzeEvents(t.ios).json.zones.some((z) => z.loop!.model === 'closed'))).toBe(true);
    }, 60_000);
  }

  it('every timestamp shifted by 10^18 ns (epoch-nanosecond CSV through the cli): the same report', () => {
    const dir = mkdtempSync(join(tmpdir(), 'iofair-shift-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const t = traces[1];
    const csv = (base: bigint) =>
      'issue_ns,done_ns,zone,device,op,bytes\n' +
      t.ios.map((io) => `${base + BigInt(io.issue)},${base + BigInt(io.done)},${io.zone},${io.device},${io.write ? 'W' : 'R'},${io.bytes}`).join('\n') +
      '\n';
    const plain = join(dir, 'plain.csv');
    const epoch = join(dir, 'epoch.csv');
    writeFileSync(plain, csv(0n));
    writeFileSync(epoch, csv(10n ** 18n));
    const weights = Object.entries(t.weights).map(([z, w]) => `${z}=${w}`).join(',');
    const [a, b] = [plain, epoch].map((f) => {
      const r = runCli(['analyze', '--json', '--weights', weights, f]);
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as Record<string, unknown>;
    });
    expect(comparable(b)).toEqual(comparable(a));
  });
});
