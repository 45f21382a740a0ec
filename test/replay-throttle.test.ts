import { describe, it, expect } from 'vitest';
import { DEFAULT_THROTTLE, type ThrottleProbe } from '../src/core/replay/policies/throttle.js';
import { build, MS, S, simulate, zonesOf, type TIo } from './replay-helpers.js';

function probeRun(ios: TIo[], nZones: number) {
  const events: ThrottleProbe[] = [];
  const b = build(ios, 1000);
  const throttle = { ...DEFAULT_THROTTLE, probe: (e: ThrottleProbe) => events.push(e) };
  const r = simulate(b, 'throttle', zonesOf(nZones), { throttle });
  return { events, b, ...r };
}

describe('SmartOS zone throttle', () => {
  it('never delays a lone zone, however overloaded the disk', () => {
    const ios: TIo[] = [];
    for (let k = 0; k < 2000; k++) ios.push({ zone: 0, arrival: k * 5 * MS, cost: 10 * MS });
    const { events, ios: out, b } = probeRun(ios, 1);
    expect(events.filter((e) => e.to > 0)).toEqual([]);
    // and so replays exactly like fifo
    out.forEach((x, i) => expect(x.completion).toBe(b.ios[i].arrival + b.ios[i].latency));
  });

  it('steps a zone above its fair utilisation up 5 µs per 250 ms to 100 µs under contention, and back down once calm', () => {
    // hog: a 10 ms IO every 6 ms for 8 s (167 % of the disk): the disk is 100 % busy and queue
    // latency passes 50 ms within ~0.1 s. light: a 1 ms IO every 100 ms for 30 s.
    // The hog's backlog drains at ≈ 1334 × 10 ms ≈ 13.3 s; then the disk is calm.
    const ios: TIo[] = [];
    for (let k = 0; k * 6 * MS < 8 * S; k++) ios.push({ zone: 0, arrival: k * 6 * MS, cost: 10 * MS });
    for (let k = 0; k < 300; k++) ios.push({ zone: 1, arrival: k * 100 * MS + 3 * MS, cost: MS });
    const { events, ios: out, b } = probeRun(ios, 2);
    expect(events.every((e) => e.zone === 0)).toBe(true); // the light zone is never delayed
    const hog = events;
    // first 20 changes: +5 µs each, 250 ms apart, from 5 to 100 µs
    const ups = hog.slice(0, 20);
    ups.forEach((e, i) => {
      expect(e.from).toBe(i * 5e3);
      expect(e.to).toBe((i + 1) * 5e3);
      expect(e.util).toBeGreaterThan(e.fairutil);
      expect(e.diskUtilPct).toBeGreaterThan(80);
      if (i > 0) expect(e.t - ups[i - 1].t).toBe(250 * MS);
    });
    expect(ups[0].t - b.ios[0].arrival).toBeLessThanOrEqual(500 * MS);
    // then held at the ceiling until the hog's backlog has drained
    const hogDone = Math.max(...out.filter((x) => x.zone === 0).map((x) => x.completion));
    expect(hogDone / S).toBeGreaterThan(13);
    const downs = hog.slice(20);
    expect(downs.length).toBe(20);
    expect(downs[0].t).toBeGreaterThanOrEqual(hogDone);
    expect(downs[0].t - hogDone).toBeLessThanOrEqual(500 * MS);
    downs.forEach((e, i) => {
      expect(e.from).toBe(100e3 - i * 5e3);
      expect(e.to).toBe(95e3 - i * 5e3);
      if (i > 0) expect(e.t - downs[i - 1].t).toBe(250 * MS);
    });
    expect(Math.max(...hog.map((e) => e.to))).toBe(100e3);
  });

  it('does not step up without a slow IO (disk busy but every IO under 50 ms)', () => {
    // two zones alternating 1 ms IOs back to back: 100 % busy, latency ≤ 2 ms, zone 0 does 3× the IO
    const ios: TIo[] = [];
    for (let k = 0; k < 4000; k++) ios.push({ zone: k % 4 === 3 ? 1 : 0, arrival: k * MS, cost: MS });
    const { events } = probeRun(ios, 2);
    expect(events).toEqual([]);
  });

  it("the zone scheduler serves a light zone ahead of a hog's deep queue", () => {
    const ios: TIo[] = [];
    for (let k = 0; k < 4000; k++) ios.push({ zone: 0, arrival: k * 0.5 * MS, cost: MS });
    for (let k = 0; k < 20; k++) ios.push({ zone: 1, arrival: k * 100 * MS + 7, cost: MS });
    const b = build(ios, 1000);
    const { ios: out } = simulate(b, 'throttle', zonesOf(2));
    const light = out.filter((x) => x.zone === 1).map((x) => x.latency);
    // FIFO would make them wait for the hog's queue (up to ~1 s); bumped, they wait ≤ the IO in service
    expect(Math.max(...light)).toBeLessThanOrEqual(2 * MS + 100e3);
  });
});
