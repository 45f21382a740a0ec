// The whole analysis in process, as the cli runs it: records → Analyzer (observe, replay) →
// verdict text → the JSON report, parsed back. For tests that check the report against itself.

import { Analyzer, type AnalysisResult } from '../src/core/analyze.js';
import type { Analysis } from '../src/core/analysis.js';
import { MemoryReplayStore } from '../src/core/replay/types.js';
import { replayOptionsFrom } from '../src/cli/replay-options.js';
import { verdictText } from '../src/report/verdict.js';
import { compactJson } from '../src/report/json.js';
import type { Platform } from '../src/records.js';

export interface Ev {
  zone: string;
  device?: string;
  write?: boolean;
  bytes?: number;
  issue: number; // ns
  done: number; // ns
}

export interface AnalyzeOpts {
  /** --policy, --cap, --loop, --cap-ladder as the cli takes them. */
  policy?: string;
  cap?: string;
  loop?: string;
  capLadder?: string;
  weights?: Record<string, number>;
  platform?: Platform;
  /** --parallelism: slots per device in the replay. */
  parallelism?: Record<string, number>;
}

/** The analysis (with the verdict's sentences) and its JSON report parsed back. */
export function analyzeEvents(ios: Ev[], o: AnalyzeOpts = {}): { analysis: Analysis; result: AnalysisResult; json: Analysis & Record<string, unknown> } {
  const replay = replayOptionsFrom({ policy: o.policy, cap: o.cap, loop: o.loop, capLadder: o.capLadder });
  const a = new Analyzer({
    toolVersion: 'test',
    weightOf: (z) => o.weights?.[z],
    parallelismOf: (d) => o.parallelism?.[d],
    reorderWindowNs: 2e9,
    store: new MemoryReplayStore(),
    replay: replay.policies.length ? replay : null,
  });
  const sorted = [...ios].sort((x, y) => x.issue - y.issue);
  for (const io of sorted) a.io(io.zone, io.device ?? 'sd0', io.write ? 'W' : 'R', io.bytes ?? 4096, io.issue, io.done);
  const result = a.finish(
    { sources: ['test'], format: 'test', platform: o.platform ?? 'neutral', skipped: 0, skipped_by_reason: {}, events_lost: 0, partial: false },
    (ns) => ns / 1e9,
  );
  if (result.verdict) result.analysis.verdict = verdictText(result.verdict);
  return { analysis: result.analysis, result, json: JSON.parse(compactJson(result.analysis)) };
}

/**
 * IOs through single-server FIFO devices: each arrives at `issue` and needs `service` ns; its
 * completion is what the FIFO server gives.
 */
export function fifoEvents(arrivals: { zone: string; device?: string; issue: number; service: number; bytes?: number; write?: boolean }[]): Ev[] {
  const sorted = [...arrivals].sort((a, b) => a.issue - b.issue);
  const free = new Map<string, number>();
  return sorted.map((x) => {
    const d = x.device ?? 'sd0';
    const done = Math.max(free.get(d) ?? -Infinity, x.issue) + x.service;
    free.set(d, done);
    return { zone: x.zone, device: d, issue: x.issue, done, bytes: x.bytes, write: x.write };
  });
}
