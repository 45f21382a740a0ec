// bpftrace's tools/biosnoop.bt, its three layouts:
//
//   2018  TIME(ms) COMM PID LAT(ms)                %-12u %-16s %-6d %7d
//   2021  TIME(ms) DISK COMM PID LAT(ms)           %-12u %-7s %-16s %-6d %7d
//   2024  TIME(ms) DISK ID COMM PID LAT(ms)        %-12u %-5d %-8d %-16s %-6d %7d
//                  MAJOR MINOR                     (a second header line)
//
// TIME(ms) is `elapsed` (ms since the program started) at completion; LAT(ms) is whole
// milliseconds, truncated, from the IO's start (blk_account_io_start, later block_io_start:
// queueing in the OS included) to its completion. There is no operation and no size: the input
// gives IOPS, latency and device time only; every IO counts as a 0-byte read, and a warning
// says so. bpftrace prints `Attaching N probes...` first, and the 2018 version dumps its maps
// (`@iopid[...]: 123`) at exit: neither is a record.

import type { RecordSink } from '../records.js';
import type { InputFormat, Parser, ParserOptions } from './types.js';
import { LinuxTenants } from './linux-tenant.js';
import { LinuxMessages, headedLineParser, headerIn, majMin } from './linux-common.js';

type BtLayout = 'comm' | 'disk' | 'majmin';

const HEADERS: [RegExp, BtLayout][] = [
  [/^TIME\(ms\) COMM PID LAT\(ms\)$/, 'comm'],
  [/^TIME\(ms\) DISK COMM PID LAT\(ms\)$/, 'disk'],
  [/^TIME\(ms\) DISK ID COMM PID LAT\(ms\)$/, 'majmin'],
];

/** The layout a biosnoop.bt header announces, or null. */
export function biosnoopBtLayout(line: string): BtLayout | null {
  const t = line.trim().split(/\s+/).join(' ');
  for (const [re, l] of HEADERS) if (re.test(t)) return l;
  return null;
}

const ROW_RE: Record<BtLayout, RegExp> = {
  comm: /^\s*(\d+)\s+()()(.*?)\s+(\d+)\s+(-?\d+)\s*$/,
  disk: /^\s*(\d+)\s+(\S+)()\s+(.*?)\s+(\d+)\s+(-?\d+)\s*$/,
  majmin: /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(.*?)\s+(\d+)\s+(-?\d+)\s*$/,
};

const COLUMNS: Record<BtLayout, string> = {
  comm: 'TIME(ms) COMM PID LAT(ms)',
  disk: 'TIME(ms) DISK COMM PID LAT(ms)',
  majmin: 'TIME(ms) MAJOR MINOR COMM PID LAT(ms)',
};

function createBiosnoopBtParser(sink: RecordSink, opts: ParserOptions): Parser {
  const tb = opts.timeBase;
  const msgs = new LinuxMessages(sink, 'biosnoop.bt');
  let tenants: LinuxTenants | null = null;
  let layout: BtLayout | null = null;
  let rows = 0;

  function onRow(text: string, lineNo: number): void {
    const m = ROW_RE[layout!].exec(text);
    if (!m) {
      sink.skip(lineNo, 'BAD_ROW', `biosnoop.bt: expected ${COLUMNS[layout!]}, found "${text.trim().slice(0, 60)}"`);
      return;
    }
    const [, time, a, b, comm, pid, lat] = m;
    const latMs = Number(lat);
    if (latMs < 0) {
      sink.skip(lineNo, 'NEGATIVE', `biosnoop.bt LAT(ms): expected a non-negative latency, found "${lat}"`);
      return;
    }
    if (comm.trim() === '') {
      sink.skip(lineNo, 'EMPTY_FIELD', 'biosnoop.bt COMM: empty');
      return;
    }
    const doneNs = tb.toNs(time, 1e6);
    const device = layout === 'comm' ? 'all' : layout === 'disk' ? a : majMin(a, b);
    rows++;
    sink.io(tenants!.zoneOf(comm.trim(), pid), device, 'R', 0, doneNs - latMs * 1e6, doneNs);
  }

  return headedLineParser(sink, msgs, {
    tool: 'biosnoop.bt',
    header: 'TIME(ms) … COMM PID LAT(ms)',
    onHeader(text) {
      const l = biosnoopBtLayout(text);
      if (!l) return false;
      layout = l;
      tenants ??= new LinuxTenants(sink, opts.zoneFrom, { tool: 'biosnoop.bt', hasCgroup: false, hasPid: true });
      return true;
    },
    hasHeader: () => layout !== null,
    numberedRows: () => layout !== null,
    onRow,
    // the 2025 header's second line, and the maps bpftrace prints at exit
    ignore: (t) => (layout === 'majmin' && /^MAJOR\s+MINOR$/.test(t)) || t.startsWith('@'),
    onEnd() {
      if (layout) {
        sink.warn(
          'biosnoop.bt prints neither the operation nor the size of an IO: IOPS, latency and device time only; every IO is counted as a read of 0 bytes (read_ops is all IO, bytes are 0)',
        );
        sink.warn(
          'biosnoop.bt prints whole milliseconds, truncated (an IO under 1 ms reads as 0 ms): latencies and device times have 1 ms resolution, and LAT includes time queued in the OS before the device' +
            (layout === 'comm' ? "; this layout has no DISK column: all IO counted on one device 'all'" : ''),
        );
      }
      if (rows === 0 && layout) sink.warn('biosnoop.bt printed its header but no IO');
      tenants?.finish();
    },
  });
}

export const biosnoopBtFormat: InputFormat = {
  name: 'biosnoop-bt',
  fidelity: 'events',
  platform: 'linux',
  description: "bpftrace's biosnoop.bt (all three layouts): TIME(ms) [DISK [ID]] COMM PID LAT(ms); no op or size: IOPS and latency only",
  sniff(head: string[]): number {
    return headerIn(head, biosnoopBtLayout) ? 0.95 : 0;
  },
  create: createBiosnoopBtParser,
};
