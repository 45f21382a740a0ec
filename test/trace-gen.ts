// Random IO traces whose ground truth is known, for property tests: zones that issue Poisson or
// on/off Poisson arrivals (open loop: whatever the disk does), and zones that keep a fixed number
// of IOs outstanding and issue the next one a think time after one completes (closed loop), on
// 1–3 single-server FIFO devices. Each IO's completion is what the FIFO server gives it.

import { rng } from './replay-helpers.js';
import type { Ev } from './analysis-helpers.js';

export type ZoneKind = { kind: 'poisson'; rate: number; onOffS: number } | { kind: 'closed'; depth: number; thinkMs: number; device: number };

export interface GenZone {
  name: string;
  weight: number;
  costMs: number;
  bytes: number;
  spec: ZoneKind;
}

export interface GenTrace {
  zones: GenZone[];
  devices: number;
  ios: Ev[];
}

const MS = 1e6;
const S = 1e9;

/** A random trace of about `targetIos` IOs over `spanS` seconds. */
export function randomTrace(seed: number, targetIos = 400, spanS = 2): GenTrace {
  const r = rng(seed);
  const exp = (mean: number) => -Math.log(1 - r()) * mean;
  const devices = 1 + Math.floor(r() * 3);
  const nz = 2 + Math.floor(r() * 4);
  const zones: GenZone[] = [];
  for (let i = 0; i < nz; i++) {
    const closed = r() < 0.35;
    const costMs = [0.2, 1, 3, 6][Math.floor(r() * 4)];
    const spec: ZoneKind = closed
      ? { kind: 'closed', depth: 1 + Math.floor(r() * 3), thinkMs: costMs * [0.02, 0.1, 0.5][Math.floor(r() * 3)], device: Math.floor(r() * devices) }
      : { kind: 'poisson', rate: (targetIos / nz / spanS) * (0.3 + 1.7 * r()), onOffS: r() < 0.4 ? 0.2 + r() * 0.5 : 0 };
    zones.push({ name: `z${i}`, weight: r() < 0.5 ? 1 : 1 + Math.floor(r() * 4), costMs, bytes: costMs < 0.5 ? 131072 : 4096, spec });
  }
  const ios: Ev[] = [];
  for (let d = 0; d < devices; d++) ios.push(...device(d));
  ios.sort((a, b) => a.issue - b.issue || a.done - b.done);
  return { zones, devices, ios };

  /** One device: its share of the open zones' arrivals and its closed zones, through a FIFO server. */
  function device(d: number): Ev[] {
    const cost = (z: GenZone) => Math.max(1000, Math.round(exp(z.costMs * MS)));
    type Q = { zone: GenZone; issue: number; cost: number };
    const open: Q[] = [];
    for (const z of zones) {
      if (z.spec.kind !== 'poisson') continue;
      let t = 0;
      for (;;) {
        t += exp(S / z.spec.rate);
        if (t >= spanS * S) break;
        if (z.spec.onOffS && Math.floor(t / (z.spec.onOffS * S)) % 2 === 1) continue;
        if (Math.floor(r() * devices) !== d) continue;
        open.push({ zone: z, issue: Math.round(t), cost: cost(z) });
      }
    }
    const next: { t: number; zone: GenZone }[] = [];
    for (const z of zones) if (z.spec.kind === 'closed' && z.spec.device === d) for (let k = 0; k < z.spec.depth; k++) next.push({ t: Math.round(r() * MS), zone: z });
    const out: Ev[] = [];
    const queue: Q[] = [];
    let oi = 0;
    let free = 0;
    for (;;) {
      next.sort((a, b) => a.t - b.t);
      const tOpen = oi < open.length ? open[oi].issue : Infinity;
      const tClosed = next.length && next[0].t < spanS * S ? next[0].t : Infinity;
      const tIssue = Math.min(tOpen, tClosed);
      const tStart = queue.length ? Math.max(free, queue[0].issue) : Infinity;
      if (tIssue === Infinity && tStart === Infinity) break;
      if (tIssue <= tStart) {
        if (tOpen <= tClosed) queue.push(open[oi++]);
        else {
          const n = next.shift()!;
          queue.push({ zone: n.zone, issue: n.t, cost: cost(n.zone) });
        }
        continue;
      }
      const q = queue.shift()!;
      const done = tStart + q.cost;
      free = done;
      out.push({ zone: q.zone.name, device: `sd${d}`, issue: q.issue, done, bytes: q.zone.bytes, write: q.zone.bytes > 4096 });
      if (q.zone.spec.kind === 'closed') next.push({ t: done + Math.round(exp(q.zone.spec.thinkMs * MS)), zone: q.zone });
    }
    return out;
  }
}
