import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { readdirSync } from 'node:fs';
import { fixture, runCli } from './helpers.js';
import { analyzeEvents } from './analysis-helpers.js';
import { randomTrace } from './trace-gen.js';
import { bytesText, countText, durText, pctText, secText } from '../src/report/verdict.js';
import type { Analysis, PolicyResult } from '../src/core/analysis.js';
import type { Platform } from '../src/records.js';

// Every sentence of the verdict checked against the JSON report it belongs to, over hundreds of
// random traces (Poisson and on/off arrivals, closed-loop zones, weights, 1–3 devices), run
// through the core and the JSON renderer as the cli runs them.

const LINUX_TERMS = /io\.(max|weight|latency|cost)|iocost|BFQ|cgroup/;
const ILLUMOS_TERMS = /SmartOS|zfs_zone|zone throttle|zfs-io-priority/;

/** Every number of the report, formatted every way a sentence formats numbers. */
function formattedNumbers(json: unknown): Set<string> {
  const out = new Set<string>();
  const visit = (v: unknown) => {
    if (typeof v === 'number') {
      for (const f of [pctText, durText, secText, countText]) out.add(f(v));
      out.add(`${bytesText(v)}/s`);
      out.add(v.toFixed(3));
      out.add(String(v));
      out.add(`${v}×`);
    } else if (Array.isArray(v)) v.forEach(visit);
    // raw distributions and time series are not figures a sentence cites (and would make almost
    // any number "appear" in the report)
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) if (k !== 'latency_histogram' && k !== 'timeline') visit(x);
  };
  visit(json);
  return out;
}

/** Numbers in a sentence with their unit, as the formatters write them ("862 ms", "41 %", "0.893", "2×"). Option text (--cap 400iops) is the user's. */
function numbersIn(s: string): string[] {
  const text = s.replace(/--cap \S+/g, '');
  return [...text.matchAll(/(?<![\w.])(\d+(?:,\d{3})*(?:\.\d+)?)(?:(×)|\s((?:B|kB|MB|GB|TB)\/s|%|ms|µs|s)(?![\w]))?/g)].map((m) =>
    m[2] ? `${m[1]}×` : m[3] ? `${m[1]} ${m[3]}` : m[1],
  );
}

/** p99 changes a sentence names: "X's p99 from A to B" and "the p99 of X (A → B), Y (A → B)". */
function namedChanges(s: string): { zone: string; before: string; after: string }[] {
  const out: { zone: string; before: string; after: string }[] = [];
  for (const m of s.matchAll(/(\w+)'s p99 from ([\d.]+ (?:µs|ms|s)) to ([\d.]+ (?:µs|ms|s))/g)) out.push({ zone: m[1], before: m[2], after: m[3] });
  for (const m of s.matchAll(/the p99 of ((?:\w+ \([^)]*\)(?:, | and )?)+)/g))
    for (const z of m[1].matchAll(/(\w+) \(([\d.]+ (?:µs|ms|s)) → ([\d.]+ (?:µs|ms|s))\)/g)) out.push({ zone: z[1], before: z[2], after: z[3] });
  return out;
}

/** "and N more zones" in a sentence (raised, then cut): the sum of N. */
function moreZones(s: string): number {
  return [...s.matchAll(/and (\d+) more zones?\b/g)].reduce((x, m) => x + Number(m[1]), 0);
}

function check(a: Analysis, platform: Platform): void {
  const v = a.verdict!;
  const T = v.thresholds;
  const nums = formattedNumbers(a);
  const fifo = a.policies.find((p) => p.policy === 'fifo');
  const before = (zone: string) => fifo?.zones.find((z) => z.zone === zone)?.latency_us.p99 ?? a.zones.find((z) => z.zone === zone)!.latency_us.p99!;
  const parts: [string, PolicyResult | undefined, typeof v.capping | null | undefined][] = [
    [v.capping.summary, a.policies.find((p) => p.policy === 'cap'), v.capping],
    [v.throttling.summary, a.policies.find((p) => p.policy === 'throttle'), v.throttling],
    [v.fair?.summary ?? '', a.policies.find((p) => p.policy === 'fair'), v.fair],
  ];
  const sentences = [...parts.map((p) => p[0]), v.cap_ladder ?? '', v.loop ?? '', v.recommendation];

  // every number a sentence prints is a number of the report, as formatted
  for (const s of sentences) for (const n of numbersIn(s)) expect(nums.has(n), `"${n}" in: ${s}`).toBe(true);

  for (const [s, p, part] of parts) {
    if (!p || !part) continue;
    // every zone named with a p99 change has that change in the JSON, and it is at least 2× either way
    const named = namedChanges(s.split(/\.\s/).find((x) => /^It (raised|cut) /.test(x)) ?? '');
    for (const c of named) {
      const z = p.zones.find((x) => x.zone === c.zone)!;
      expect(durText(before(c.zone)), s).toBe(c.before);
      expect(durText(z.latency_us.p99!), s).toBe(c.after);
      const ratio = z.latency_us.p99! / before(c.zone);
      expect(ratio >= T.p99_factor || ratio <= 1 / T.p99_factor, s).toBe(true);
    }
    // and every zone whose p99 doubled or halved is named or counted
    const changed = p.zones.filter((z) => {
      const b = before(z.zone);
      const r = z.latency_us.p99! / b;
      return b > 0 && z.latency_us.p99 !== null && (r >= T.p99_factor || r <= 1 / T.p99_factor);
    });
    const effect = s.split(/\.\s/).find((x) => /^It (raised|cut) /.test(x)) ?? '';
    const counted = moreZones(effect);
    expect(named.length + counted, s).toBe(changed.length);
    if (a.input.fidelity !== 'events') expect(s).not.toMatch(/p99/);
    else if (changed.length === 0) expect(s).toMatch(/neither doubled nor halved any zone's p99/);
    // "costs performance" exactly when the defined metric crosses the threshold, with its value
    const cost = p.idle_while_waiting_frac!;
    expect(part.costs_performance).toBe(cost > T.cost);
    if (/ costs performance: /.test(s)) {
      expect(cost).toBeGreaterThan(T.cost);
      const worst = p.devices!.reduce((x, d) => (d.idle_while_waiting_s > x.idle_while_waiting_s ? d : x));
      // on a device of K slots the idle time is slot time, and the sentence says so
      const slots = (worst as { slots?: number }).slots;
      const counting = slots !== undefined && slots > 1 ? `; each of its ${slots} slots counting 1/${slots}` : '';
      expect(s).toContain(`${worst.device} sat idle ${secText(worst.idle_while_waiting_s)} of the ${secText(a.input.duration_s!)} window (${pctText(cost)}${counting})`);
    } else expect(s).toMatch(/does not cost performance/);
    if (/does not cost performance/.test(s)) expect(cost).toBeLessThanOrEqual(T.cost);
  }

  // "already fair" only from the measured fairness
  if (/already shared fairly/.test(v.recommendation)) expect(a.fairness.jain!).toBeGreaterThanOrEqual(T.fair_jain);
  // a preferred policy halves a p99 without costing performance, and is the one named
  if (v.recommended_policy) {
    const p = a.policies.find((x) => x.policy === v.recommended_policy)!;
    expect(p.idle_while_waiting_frac!).toBeLessThanOrEqual(T.cost);
    const c = namedChanges(v.recommendation)[0];
    expect(durText(p.zones.find((z) => z.zone === c.zone)!.latency_us.p99!)).toBe(c.after);
  } else expect(v.recommendation).not.toMatch(/^Prefer|^Keep/);
  // the ladder's conclusion matches its numbers
  const L = a.cap_ladder;
  if (L && v.cap_ladder) {
    if (L.protected_zone === null) expect(v.cap_ladder).toMatch(/no zone needs a cap's protection/);
    else if (L.protects_without_cost) expect(v.cap_ladder).toMatch(/protects \w+ as well as fair queuing without idling the disk/);
    else expect(v.cap_ladder).toMatch(/none keeps/);
  }
  // advice only in the input platform's terms
  const text = sentences.join('\n');
  if (platform !== 'linux') expect(text).not.toMatch(LINUX_TERMS);
  if (platform !== 'illumos') expect(text).not.toMatch(ILLUMOS_TERMS);
  for (const s of sentences) expect(s).not.toMatch(/see above|overstates|disagree/);
}

describe('the verdict against its own report, on random traces', () => {
  it('holds on 300 random traces (Poisson and on/off arrivals, closed-loop zones, weights, 1–3 devices)', () => {
    const platforms: Platform[] = ['illumos', 'linux', 'neutral'];
    let closedSeen = 0;
    let costly = 0;
    let preferred = 0;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.constantFrom(...platforms), fc.constantFrom('iops', 'bytes'), (seed, platform, capLadder) => {
        const t = randomTrace(seed, 200, 1);
        const weights = Object.fromEntries(t.zones.map((z) => [z.name, z.weight]));
        const { json } = analyzeEvents(t.ios, { weights, platform, capLadder });
        check(json, platform);
        closedSeen += json.zones.filter((z) => z.loop?.model === 'closed').length;
        if (json.verdict!.capping.costs_performance) costly++;
        if (json.verdict!.recommended_policy) preferred++;
      }),
      // VERDICT_SEED=n tries another 300
      { numRuns: 300, seed: Number(process.env.VERDICT_SEED ?? 20240603) },
    );
    // the traces cover what the checks are about
    expect(closedSeen).toBeGreaterThan(30);
    expect(costly).toBeGreaterThan(30);
    expect(preferred).toBeGreaterThan(10);
  }, 120_000);
});

describe('the verdict on the interval and histogram fixtures (the cli\'s JSON)', () => {
  const inputs = [...readdirSync(fixture('intervals')).map((f) => `intervals/${f}`), 'dtrace/agg-quantize.txt', 'dtrace/agg-lquantize.txt'];
  for (const input of inputs) {
    it(`${input}: only the claims its fidelity supports`, () => {
      const r = runCli(['analyze', '--json', fixture(input)]);
      expect(r.status, r.stderr).toBe(0);
      const a = JSON.parse(r.stdout) as Analysis;
      if (a.input.fidelity === 'histograms') {
        expect(a.verdict).toBeNull();
        return;
      }
      expect(a.input.fidelity).toBe('intervals');
      expect(a.cap_ladder).toBeNull();
      if (a.zones.length === 0 || a.policies.length === 0) {
        // device statistics only (iostat), or zones without op counts or with one snapshot of
        // totals (iotop bytes, a single io.stat): nothing to replay, nothing to say
        expect(a.policies).toEqual([]);
        expect(a.verdict).toBeNull();
        return;
      }
      check(a, a.input.platform);
      expect(a.verdict!.recommended_policy).toBeNull();
    });
  }
});
