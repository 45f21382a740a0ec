// The core's entry point: receives records of any fidelity and produces one Analysis.

import type { IntervalSample, LatencyHistogram, Op } from '../records.js';
import type { Analysis, InputInfo, ZoneResult } from './analysis.js';
import { EventObserver, type ObserveResult } from './observe.js';

export type InputSummary = Pick<InputInfo, 'sources' | 'format' | 'skipped' | 'events_lost' | 'partial'>;
import type { ReplayStore } from './replay/types.js';

export interface AnalyzeOptions {
  toolVersion: string;
  weightOf: (zone: string) => number | undefined;
  reorderWindowNs: number;
  /** Replay store, or null for --policy none. */
  store: ReplayStore | null;
}

export class Analyzer {
  readonly events: EventObserver;
  private intervalSamples: IntervalSample[] = [];
  private histograms: LatencyHistogram[] = [];

  constructor(private readonly opts: AnalyzeOptions) {
    this.events = new EventObserver({ weightOf: opts.weightOf, reorderWindowNs: opts.reorderWindowNs, store: opts.store });
  }

  io(zone: string, device: string, op: Op, bytes: number, issueNs: number, doneNs: number, weight?: number): void {
    this.events.io(zone, device, op, bytes, issueNs, doneNs, weight);
  }

  interval(s: IntervalSample): void {
    this.intervalSamples.push(s);
  }

  histogram(h: LatencyHistogram): void {
    this.histograms.push(h);
  }

  get records(): number {
    return this.events.records + this.intervalSamples.length + this.histograms.length;
  }

  /** `input` carries what the cli knows about the sources; the core fills fidelity, records, span. */
  finish(input: InputSummary, toSeconds: (ns: number) => number): Analysis {
    return this.build(this.events.finish(), input, toSeconds);
  }

  /** The analysis of what has been read so far, without ending the pass (--every). */
  snapshot(input: InputSummary, toSeconds: (ns: number) => number): Analysis {
    return this.build(this.events.snapshot(), input, toSeconds);
  }

  private build(obs: ObserveResult, input: InputSummary, toSeconds: (ns: number) => number): Analysis {
    const warnings = [...obs.warnings];
    const zones = obs.zones;
    const span = obs.span;
    const analysis: Analysis = {
      schema_version: 1,
      tool: { name: 'iofair', version: this.opts.toolVersion },
      input: {
        ...input,
        fidelity: 'events',
        records: obs.records,
        start_s: span ? toSeconds(span.startNs) : null,
        end_s: span ? toSeconds(span.endNs) : null,
        duration_s: span ? (span.endNs - span.startNs) / 1e9 : null,
      },
      devices: obs.devices,
      zones,
      fairness: fairness(zones),
      policies: [],
      verdict: null,
      warnings,
    };
    return analysis;
  }
}

/** Jain's index and min/max ratio over x_z = device_share / fair_share (zones with fair time). */
export function fairness(zones: ZoneResult[]): { jain: number | null; min_max_ratio: number | null } {
  const xs: number[] = [];
  for (const z of zones) if (z.fair_share && z.fair_share > 0 && z.device_share !== null) xs.push(z.device_share / z.fair_share);
  let min = Infinity;
  let max = 0;
  for (const x of xs) {
    if (x < min) min = x;
    if (x > max) max = x;
  }
  return { jain: jain(xs), min_max_ratio: max > 0 ? min / max : null };
}

/** Jain's fairness index (Σx)² / (n Σx²): 1 when all equal, 1/n when one takes everything. */
export function jain(xs: number[]): number | null {
  if (!xs.length) return null;
  let s = 0;
  let s2 = 0;
  for (const x of xs) {
    s += x;
    s2 += x * x;
  }
  return s2 > 0 ? (s * s) / (xs.length * s2) : null;
}
