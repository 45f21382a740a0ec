import { describe, it, expect } from 'vitest';
import { closeSync, fstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ladderSpec, runReplays, type CapSpec, type LoopModel } from '../src/core/replay/index.js';
import { ChunkFifo } from '../src/core/replay/pairing.js';
import { SPILL_STRIDE, type SpillArea } from '../src/core/replay/types.js';
import { openUnlinked, SpillFile } from '../src/cli/spool.js';
import { build, dev, MS, noCap, opts, rng, simulate, zonesOf, type TIo } from './replay-helpers.js';

// Queued IO beyond `spillAt` per zone queue (or closed-loop wait list) leaves memory for a spill
// area and comes back in order: the results must be the very ones of an all-in-memory replay,
// and the simulation's slots must stay bounded while a binding cap's backlog grows.

/** An in-memory SpillArea that counts what passes through it. */
class CountingSpill implements SpillArea {
  private chunks = new Map<number, Float64Array>();
  private n = 0;
  writes = 0;
  maxLive = 0;
  constructor(
    readonly spillAt: number,
    readonly chunkIos: number,
    readonly queuedBudget?: number,
  ) {}
  write(data: Float64Array): number {
    expect(data.length).toBe(this.chunkIos * SPILL_STRIDE);
    this.chunks.set(++this.n, Float64Array.from(data));
    this.writes++;
    this.maxLive = Math.max(this.maxLive, this.chunks.size);
    return this.n;
  }
  read(h: number, into: Float64Array): void {
    into.set(this.chunks.get(h)!);
    this.chunks.delete(h);
  }
  dispose(): void {
    this.chunks.clear();
  }
}

// zone 0 asks 4000 IOPS of two 1000-IOPS devices for 2 s, capped at 400 IOPS: its backlog grows
// to ~1500 IOs per device (open loop) or its IOs wait on their predecessors (closed loop);
// zone 1 is light and uncapped.
const ios: TIo[] = [];
for (let k = 0; k < 8000; k++) ios.push({ zone: 0, device: k % 2, arrival: k * 0.25 * MS, cost: 0.5 * MS, bytes: 4096 * (1 + (k % 3)), write: k % 5 === 0 });
for (let k = 0; k < 400; k++) ios.push({ zone: 1, device: k % 2, arrival: k * 5 * MS + 0.1 * MS, cost: 0.7 * MS });
const b = build(ios, 512);
const zones = zonesOf(2);
const cap: CapSpec = { ...noCap, perZone: new Map([['z0', { iops: 400, bytesPerS: 4e6 }]]), text: 'z0:400iops+4MB/s' };
const range = { iops: [200, 2000] as [number, number], bytes: null };
const devices = [{ ...dev(1000), capacityRange: range }, { ...dev(1000), name: 'sd1', capacityRange: range }];

describe('replay spill of queued IO', () => {
  for (const [spillAt, chunk] of [
    [1, 1],
    [5, 2],
    [64, 16],
  ]) {
    it(`every policy and ladder level, a closed and an open zone: the same results with spillAt ${spillAt}, chunks of ${chunk}`, () => {
      const o = opts({ cap, zoneLoops: ['closed', 'open'], ladder: ladderSpec('iops', 3) });
      const want = runReplays(b.store, zones, devices, b.span, o);
      const area = new CountingSpill(spillAt, chunk);
      const got = runReplays(b.store, zones, devices, b.span, { ...o, spill: () => area });
      expect(got).toEqual(want);
      expect(want.ladder.length).toBe(3);
      expect(want.ladder[0].backlog!.ops).toBeGreaterThan(0); // the tightest level binds
      expect(area.writes).toBeGreaterThan(10);
    });

    it(`the same with the devices as 2 and 8 slots, spillAt ${spillAt}, chunks of ${chunk}`, () => {
      const o = opts({ cap, zoneLoops: ['closed', 'open'], ladder: ladderSpec('iops', 3), parallelism: new Map([['sd0', 2], ['sd1', 8]]) });
      const want = runReplays(b.store, zones, devices, b.span, o);
      const area = new CountingSpill(spillAt, chunk);
      const got = runReplays(b.store, zones, devices, b.span, { ...o, spill: () => area });
      expect(got).toEqual(want);
      expect(want.ladder[0].backlog!.ops).toBeGreaterThan(0);
      expect(area.writes).toBeGreaterThan(10);
    });
  }

  for (const loop of ['open', 'closed'] as LoopModel[]) {
    it(`${loop} loop: a binding cap's backlog stays out of memory`, () => {
      const one = build(ios.filter((x) => x.device === 0));
      const free = simulate(one, 'cap', zones, { cap, loop });
      const area = new CountingSpill(64, 16);
      const spilled = simulate(one, 'cap', zones, { cap, loop, spill: area });
      expect(spilled.ios).toEqual(free.ios);
      // without a spill area the slots grow with the backlog (over a thousand IOs)
      expect(free.sim.slots.size).toBeGreaterThan(1000);
      // with one: 64 per queue or wait list, a chunk coming back, a few in service or in flight
      expect(spilled.sim.slots.size).toBeLessThanOrEqual(256);
      expect(area.maxLive).toBeGreaterThan(20);
    });
  }

  it('many zones on a device share its budget: each queue spills at budget ÷ zones, never below two chunks', () => {
    // 40 zones each asking 100 IOPS of a 1000-IOPS device for 4 s, each capped at 40 IOPS: every
    // queue backlogs ~240 IOs. With a budget of 800 IOs per simulation each zone keeps 20 in
    // memory (800 ÷ 40), or two chunks of 16 = 32 at least; alone, each would keep 1024.
    const many: TIo[] = [];
    for (let z = 0; z < 40; z++) for (let k = 0; k < 400; k++) many.push({ zone: z, arrival: k * 10 * MS + z * 0.01 * MS, cost: 0.2 * MS });
    const m = build(many, 512);
    const mz = zonesOf(40);
    const all40: CapSpec = { ...noCap, all: { iops: 40, bytesPerS: null }, text: '40iops' };
    const free = simulate(m, 'cap', mz, { cap: all40 });
    const shared = new CountingSpill(1024, 16, 800);
    const spilled = simulate(m, 'cap', mz, { cap: all40, spill: shared });
    expect(spilled.ios).toEqual(free.ios);
    expect(free.sim.slots.size).toBeGreaterThan(8000); // 40 × ~240 queued
    // 40 queues × 32, a chunk coming back, one in service: within the next power of two
    expect(spilled.sim.slots.size).toBeLessThanOrEqual(2048);
    const alone = new CountingSpill(1024, 16);
    expect(simulate(m, 'cap', mz, { cap: all40, spill: alone }).sim.slots.size).toBe(free.sim.slots.size);
    expect(alone.writes).toBe(0);
  });

  it('ChunkFifo (the closed loop\'s baseline pairs) behaves as an array while its middle is spilled', () => {
    const r = rng(5);
    for (const chunk of [1, 2, 3]) {
      const area = new CountingSpill(4, chunk);
      const f = new ChunkFifo(area);
      const model: number[] = [];
      let next = 0;
      let maxN = 0;
      for (let step = 0; step < 20_000; step++) {
        const u = r();
        // grow for a while, then drain, then grow again: reads at the head and near the tail
        const growing = step % 5000 < 3000;
        if (model.length === 0 || u < (growing ? 0.7 : 0.3)) {
          f.push(next);
          model.push(next++);
        } else if (u < 0.85) {
          expect(f.shift()).toBe(model.shift());
        } else {
          const i = r() < 0.5 ? Math.floor(r() * Math.min(model.length, 25)) : Math.max(0, model.length - 1 - Math.floor(r() * 25));
          expect(f.at(i)).toBe(model[i]);
        }
        expect(f.n).toBe(model.length);
        maxN = Math.max(maxN, model.length);
      }
      expect(maxN).toBeGreaterThan(500);
      expect(area.writes).toBeGreaterThan(20); // the middle really left memory
    }
  });

  it('SpillFile reads chunks back as written, reuses freed space and closes its file', () => {
    const f = new SpillFile(4, 3);
    const chunk = (k: number) => Float64Array.from({ length: 3 * SPILL_STRIDE }, (_, i) => k * 1000 + i + 0.5);
    const h1 = f.write(chunk(1));
    const h2 = f.write(chunk(2));
    const into = new Float64Array(3 * SPILL_STRIDE);
    f.read(h1, into);
    expect(into).toEqual(chunk(1));
    const h3 = f.write(chunk(3)); // takes h1's place
    expect(h3).toBe(h1);
    f.read(h2, into);
    expect(into).toEqual(chunk(2));
    f.read(h3, into);
    expect(into).toEqual(chunk(3));
    const fd = (f as unknown as { fd: number }).fd;
    expect(fstatSync(fd).size).toBe(2 * 3 * SPILL_STRIDE * 8);
    f.dispose();
    expect(() => fstatSync(fd)).toThrow(); // closed
  });

  it('the temp files are unlinked as soon as they are open (nothing left if the process is killed)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'iofair-unlinked-'));
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = dir; // os.tmpdir() reads it at each call
    try {
      const fd = openUnlinked('x.bin');
      expect(fstatSync(fd).nlink).toBe(0);
      expect(readdirSync(dir)).toEqual([]);
      closeSync(fd);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
