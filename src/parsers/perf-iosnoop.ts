// perf-tools' iosnoop (Brendan Gregg, ftrace block_rq_issue/insert → block_rq_complete):
//
//   [STARTs] [ENDs] COMM PID TYPE DEV BLOCK BYTES LATms
//   [%-15s ] [%-15s ] %-12.12s %-6s %-4s %-8s %-12s %-6s %8s        (%-14s before Aug 2014)
//
// - STARTs (-s) and ENDs (-t) are ftrace timestamps, seconds since boot with µs; LATms is
//   1000·(end − start) with 2 decimals (10 µs steps). Without -s or -t there is no time column
//   at all: that layout is read as counts and latency histograms (format perf-iosnoop-counts).
// - With -Q, STARTs and LATms count from the queue insert instead of the issue; the output does
//   not say which, so a warning does.
// - TYPE is RWBS (W, WS, RM, FF, …); DEV is `maj,min` (printed here as MAJ:MIN); BLOCK is the
//   sector, 18446744073709551615 (2^64 − 1) for a flush, which has no sector and 0 BYTES.
// - COMM is ftrace's task name with its first `-digits` removed, 12 characters: `<...>` when
//   ftrace did not know it, `flush:16-1279` for the old `flush-202:16` threads.
// - Lost ftrace events arrive (if stderr is merged) as `WARNING: CPU:1 [LOST 3 EVENTS]`.

import type { RecordSink } from '../records.js';
import type { InputFormat, Parser, ParserOptions } from './types.js';
import { parseRwbs, OpTally } from './rwbs.js';
import { LinuxTenants } from './linux-tenant.js';
import { LatencyCounts, LinuxMessages, headedLineParser, headerIn, majMin, msToNs } from './linux-common.js';

export interface PerfIosnoopLayout {
  start: boolean;
  end: boolean;
}

const HEADER_RE = /^(STARTs )?(ENDs )?COMM PID TYPE DEV BLOCK BYTES LATms$/;

/** The layout a perf-tools iosnoop header announces, or null. */
export function perfIosnoopLayout(line: string): PerfIosnoopLayout | null {
  const m = HEADER_RE.exec(line.trim().split(/\s+/).join(' '));
  return m ? { start: !!m[1], end: !!m[2] } : null;
}

const ROW_RE = /^\s*(?:(\d+\.\d+)\s+)?(?:(\d+\.\d+)\s+)?(\S+)\s+(\d+)\s+([A-Z]{1,10})\s+(\d+),(\d+)\s+(\d+)\s+(\d+)\s+(-?\d+\.\d+)\s*$/;

function createParser(sink: RecordSink, opts: ParserOptions, mode: 'events' | 'counts'): Parser {
  const tb = opts.timeBase;
  const msgs = new LinuxMessages(sink, 'iosnoop');
  const tally = new OpTally();
  const counts = new LatencyCounts(10000);
  let tenants: LinuxTenants | null = null;
  let layout: PerfIosnoopLayout | null = null;
  let warnedNoTimes = false;

  function setLayout(l: PerfIosnoopLayout): void {
    layout = l;
    tenants ??= new LinuxTenants(sink, opts.zoneFrom, { tool: 'perf-tools iosnoop', hasCgroup: false, hasPid: true });
    if (mode === 'events' && !l.start && !l.end && !warnedNoTimes) {
      warnedNoTimes = true;
      sink.warn('perf-tools iosnoop without -s or -t prints no time column: no events can be built (use iosnoop -ts, or --input-format perf-iosnoop-counts for latency histograms)');
    }
  }

  function onRow(text: string, lineNo: number): void {
    const l = layout!;
    const m = ROW_RE.exec(text);
    const want = `${l.start ? 'STARTs ' : ''}${l.end ? 'ENDs ' : ''}COMM PID TYPE DEV BLOCK BYTES LATms`;
    if (!m || !!m[1] !== (l.start || l.end) || !!m[2] !== (l.start && l.end)) {
      sink.skip(lineNo, 'BAD_ROW', `iosnoop: expected ${want}, found "${text.trim().slice(0, 60)}"`);
      return;
    }
    const [, t1, t2, comm, pid, type, maj, min, , bytesTok, latTok] = m;
    const rwbs = parseRwbs(type);
    if (!rwbs) {
      sink.skip(lineNo, 'BAD_OP', `iosnoop TYPE: expected an RWBS token (R, W, WS, RM, FF…), found "${type}"`);
      return;
    }
    const latNs = msToNs(latTok);
    if (!(latNs >= 0)) {
      sink.skip(lineNo, 'NEGATIVE', `iosnoop LATms: expected a non-negative latency, found "${latTok}"`);
      return;
    }
    const zone = tenants!.zoneOf(comm, pid);
    const device = majMin(maj, min);
    const acc = tally.account(rwbs, Number(bytesTok));
    if (mode === 'counts') {
      counts.add(zone, device, acc.op, latNs);
      return;
    }
    let issueNs: number, doneNs: number;
    if (l.start && l.end) {
      issueNs = tb.toNs(t1, 1e9);
      doneNs = tb.toNs(t2, 1e9);
    } else if (l.start) {
      issueNs = tb.toNs(t1, 1e9);
      doneNs = issueNs + latNs;
    } else if (l.end) {
      doneNs = tb.toNs(t1, 1e9);
      issueNs = doneNs - latNs;
    } else {
      sink.skip(lineNo, 'MISSING_COLUMN', 'iosnoop row without STARTs or ENDs: no time to place the IO (see warning)');
      return;
    }
    if (!(doneNs >= issueNs)) {
      sink.skip(lineNo, 'DONE_BEFORE_ISSUE', `iosnoop: ENDs ${t2} is before STARTs ${t1}`);
      return;
    }
    sink.io(zone, device, acc.op, acc.bytes, issueNs, doneNs);
  }

  return headedLineParser(sink, msgs, {
    tool: 'perf-tools iosnoop',
    header: '… COMM PID TYPE DEV BLOCK BYTES LATms',
    onHeader(text) {
      const l = perfIosnoopLayout(text);
      if (l) setLayout(l);
      return l !== null;
    },
    hasHeader: () => layout !== null,
    // without time columns a row starts with COMM, which may start with a digit
    numberedRows: () => layout !== null && (layout.start || layout.end),
    onRow,
    onEnd() {
      if (layout) {
        sink.warn(
          'perf-tools iosnoop LATms runs from the issue to the device (with -Q: from the queue insert, OS queueing included; the output does not say which) to completion, with 10 µs resolution' +
            (mode === 'counts' ? '; this layout has no timestamps: latency histograms and counts only, no device time, shares or replay' : ''),
        );
      }
      if (mode === 'counts') counts.finish(sink, 'perf-tools iosnoop LATms: 10 µs below 1 ms, 3 significant digits above');
      tally.finish(sink);
      tenants?.finish();
    },
  });
}

export const perfIosnoopFormat: InputFormat = {
  name: 'perf-iosnoop',
  fidelity: 'events',
  platform: 'linux',
  description: "perf-tools (ftrace) iosnoop with -s and/or -t: [STARTs] [ENDs] COMM PID TYPE DEV BLOCK BYTES LATms",
  sniff(head: string[]): number {
    const l = headerIn(head, perfIosnoopLayout);
    if (!l) return 0;
    return l.start || l.end ? 0.95 : 0.4;
  },
  create: (sink, opts) => createParser(sink, opts, 'events'),
};

export const perfIosnoopCountsFormat: InputFormat = {
  name: 'perf-iosnoop-counts',
  fidelity: 'histograms',
  platform: 'linux',
  description: 'perf-tools (ftrace) iosnoop without timestamps: per-zone latency histograms and counts',
  sniff(head: string[]): number {
    const l = headerIn(head, perfIosnoopLayout);
    if (!l) return 0;
    return l.start || l.end ? 0.3 : 0.95;
  },
  create: (sink, opts) => createParser(sink, opts, 'counts'),
};
