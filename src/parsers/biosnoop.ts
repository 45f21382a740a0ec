// biosnoop: bcc's tools/biosnoop.py and libbpf-tools' biosnoop, every option layout since 2015.
// One line per IO, printed at its completion:
//
//   bcc 2016–2019   %-14.9f %-14.14s %-6s %-7s %-2s %-9s %-7s %7.2f
//   bcc 2019–       %-11.6f %-14.14s %-6s|%-7s %-7s|%-9s %-1s %-10s %-7s [%-1s ] [%7.2f ] %7.2f
//                   TIME(s) COMM PID DISK T SECTOR BYTES [P (-P)] [QUE(ms) (-Q)] LAT(ms)
//   libbpf-tools    %-11.6f|%-8s.%03ld %-14.14s %-7d %-7s %-4s %-10lld %-7d [%7.3f ] %7.3f
//                   TIME(s)|TIMESTAMP (-t) COMM PID DISK T SECTOR BYTES [QUE(ms) (-Q)] LAT(ms)
//
// - TIME(s) is the completion time in seconds since the first IO printed (per-CPU perf buffers
//   can make it slightly negative); libbpf-tools' `-t` TIMESTAMP is the wall clock when the line
//   was printed (HH:MM:SS.mmm, no date: a trace across midnight wraps, see WallClock).
// - LAT(ms) is device time: issue to the driver → completion. So issue = TIME − LAT.
// - QUE(ms) (-Q) is the time queued in the OS before issue: reported separately (QueueTimes);
//   libbpf-tools prints -1 when it missed the queue insert.
// - T is R or W (bcc) or RWBS (libbpf-tools: WS, RM, FWS, F, D…), parsed as a token (rwbs.ts).
// - COMM is `?` and PID 0 when the issue was not seen; bcc then printed an empty DISK (2016–2022)
//   and SECTOR −1 (2016–2019). COMM may contain spaces; the columns after it are found from the
//   right. bcc prints BYTES with %-7s and no space after it, so a 7-digit size runs into P, QUE
//   or LAT (`1048576S`, `10485761234.56`); the split is recovered.
// - `-d DISK` and libbpf-tools' `-m MIN_MS` filter without changing the layout (with -m, shares
//   describe only the IOs slower than MIN_MS).
//
// Zones come from COMM by default (see linux-tenant.ts).

import type { RecordSink } from '../records.js';
import type { InputFormat, Parser, ParserOptions } from './types.js';
import { parseRwbs, OpTally } from './rwbs.js';
import { LinuxTenants } from './linux-tenant.js';
import { LinuxMessages, QueueTimes, WallClock, decimals, headedLineParser, headerIn, msResolution, msToNs } from './linux-common.js';

export interface BiosnoopLayout {
  /** `-t`: wall-clock TIMESTAMP instead of TIME(s). */
  wall: boolean;
  /** bcc `-P`: a pattern column (S, R or ?). */
  pattern: boolean;
  /** `-Q`: a QUE(ms) column. */
  queue: boolean;
}

const HEADER_RE = /^(TIME\(s\)|TIMESTAMP) COMM PID DISK T SECTOR BYTES( P)?( QUE\(ms\))? LAT\(ms\)$/;

/** The layout a biosnoop header line announces, or null. */
export function biosnoopLayout(line: string): BiosnoopLayout | null {
  const m = HEADER_RE.exec(line.trim().split(/\s+/).join(' '));
  if (!m) return null;
  return { wall: m[1] === 'TIMESTAMP', pattern: !!m[2], queue: !!m[3] };
}

function rowRegex(l: BiosnoopLayout): RegExp {
  const time = l.wall ? '(\\d{1,2}:\\d\\d:\\d\\d(?:\\.\\d+)?)' : '(-?\\d+\\.\\d+)';
  return new RegExp(
    `^\\s*${time}\\s+(.*?)\\s+(\\d+)\\s+(?:(\\S+)\\s+)?([A-Z]{1,10})\\s+(-?\\d+)\\s+(\\d+)` +
      (l.pattern ? '\\s*([SR?])' : '()') +
      (l.queue ? '(\\s*)(-?\\d+\\.\\d+)' : '()()') +
      '(\\s*)(-?\\d+\\.\\d+)\\s*$',
  );
}

/**
 * Splits BYTES glued to the next number (`%-7s` followed by `%7.2f`): the number has at least 4
 * integer digits (it took ≥ 7 characters), BYTES at least 7 digits; the split that makes BYTES a
 * multiple of 512 with the shortest number wins. Null when no split fits.
 */
export function splitGlued(glued: string): [string, string] | null {
  const m = /^(\d+)\.(\d+)$/.exec(glued);
  if (!m) return null;
  const int = m[1];
  let fallback: [string, string] | null = null;
  for (let numInt = 4; int.length - numInt >= 7; numInt++) {
    const bytes = int.slice(0, int.length - numInt);
    const num = `${int.slice(int.length - numInt)}.${m[2]}`;
    if (num.startsWith('0') && numInt > 1) continue;
    if (Number(bytes) % 512 === 0) return [bytes, num];
    fallback ??= [bytes, num];
  }
  return fallback;
}

function createBiosnoopParser(sink: RecordSink, opts: ParserOptions): Parser {
  const tb = opts.timeBase;
  const msgs = new LinuxMessages(sink, 'biosnoop');
  const tally = new OpTally();
  const queue = new QueueTimes();
  const clock = new WallClock();
  let tenants: LinuxTenants | null = null;
  let layout: BiosnoopLayout | null = null;
  let re: RegExp | null = null;
  let latDecimals = -1;
  let tool = 'biosnoop';

  function setLayout(l: BiosnoopLayout): void {
    layout = l;
    re = rowRegex(l);
    if (l.wall) tool = 'libbpf-tools biosnoop';
    tenants ??= new LinuxTenants(sink, opts.zoneFrom, { tool: 'biosnoop', hasCgroup: false, hasPid: true });
  }

  /** Notes that depend on the first row (the LAT precision tells bcc from libbpf-tools). */
  function firstRow(lat: string): void {
    latDecimals = decimals(lat);
    if (!layout!.wall) tool = latDecimals >= 3 ? 'libbpf-tools biosnoop' : 'bcc biosnoop';
    sink.warn(
      `${tool} prints LAT(ms) with ${latDecimals} decimals: latencies and device times have ${msResolution(latDecimals)} resolution; ` +
        (layout!.wall
          ? 'TIMESTAMP is the wall clock when the IO was printed (1 ms resolution, up to a polling interval after its completion), so issue = TIMESTAMP − LAT'
          : 'TIME(s) is the completion time in seconds since the first IO printed (not wall-clock), so issue = TIME − LAT'),
    );
  }

  function onRow(text: string, lineNo: number): void {
    const m = re!.exec(text);
    if (!m) {
      sink.skip(lineNo, 'BAD_ROW', `${tool}: expected TIME COMM PID DISK T SECTOR BYTES${layout!.pattern ? ' P' : ''}${layout!.queue ? ' QUE(ms)' : ''} LAT(ms), found "${text.trim().slice(0, 60)}"`);
      return;
    }
    const [, timeTok, comm, pid, disk, t, sectorTok, bytesRaw, , queSep, queRaw, latSep, latRaw] = m;
    let bytesTok = bytesRaw;
    let queTok = queRaw;
    let latTok = latRaw;
    // bcc's %-7s BYTES with no space after it: a 7-digit size runs into QUE or LAT.
    if (!layout!.pattern && (layout!.queue ? queSep === '' : latSep === '')) {
      const split = splitGlued(bytesTok + (layout!.queue ? queTok : latTok));
      if (!split) {
        sink.skip(lineNo, 'BAD_ROW', `${tool}: BYTES runs into the next column ("${bytesTok}${layout!.queue ? queTok : latTok}") and cannot be split`);
        return;
      }
      bytesTok = split[0];
      if (layout!.queue) queTok = split[1];
      else latTok = split[1];
    }
    const rwbs = parseRwbs(t);
    if (!rwbs) {
      sink.skip(lineNo, 'BAD_OP', `${tool} T: expected R, W or an RWBS token (WS, RM, FWS…), found "${t}"`);
      return;
    }
    const latNs = msToNs(latTok);
    if (!(latNs >= 0)) {
      sink.skip(lineNo, 'NEGATIVE', `${tool} LAT(ms): expected a non-negative latency, found "${latTok}"`);
      return;
    }
    if (latDecimals < 0) firstRow(latTok);
    let doneNs: number;
    if (layout!.wall) {
      const ms = clock.ms(timeTok);
      if (Number.isNaN(ms)) {
        sink.skip(lineNo, 'NOT_A_NUMBER', `${tool} TIMESTAMP: expected HH:MM:SS.mmm, found "${timeTok}"`);
        return;
      }
      doneNs = tb.toNs(String(ms), 1e6);
    } else doneNs = tb.toNs(timeTok, 1e9);
    if (!Number.isFinite(doneNs)) {
      sink.skip(lineNo, 'NOT_A_NUMBER', `${tool} TIME(s): expected seconds, found "${timeTok}"`);
      return;
    }
    const bytes = Number(bytesTok);
    const zone = tenants!.zoneOf(comm.trim(), pid);
    const device = disk === undefined || disk === '' || disk === '<unknown>' || disk === 'Unknown' ? 'unknown' : disk;
    if (layout!.queue) queue.add(zone, comm.trim() === '?' ? NaN : msToNs(queTok));
    const acc = tally.account(rwbs, bytes);
    // the IO's place on the disk (512-byte sectors; -1 in old versions: unknown), for sequential vs random
    const sector = Number(sectorTok);
    sink.io(zone, device, acc.op, acc.bytes, doneNs - latNs, doneNs, undefined, sector >= 0 ? sector * 512 : undefined);
  }

  return headedLineParser(sink, msgs, {
    tool: 'biosnoop',
    header: 'TIME(s) COMM PID DISK T SECTOR BYTES … LAT(ms)',
    onHeader(text) {
      const l = biosnoopLayout(text);
      if (l) setLayout(l);
      return l !== null;
    },
    hasHeader: () => layout !== null,
    numberedRows: () => layout !== null,
    onRow,
    onEnd() {
      if (clock.wraps)
        sink.warn(`${tool} TIMESTAMP went back past midnight ${clock.wraps} time(s): later lines were taken to be on the next day`);
      if (layout?.queue) queue.finish(sink, tool, 'QUE(ms)', msResolution(latDecimals < 0 ? 2 : latDecimals));
      tally.finish(sink);
      tenants?.finish();
    },
  });
}

export const biosnoopFormat: InputFormat = {
  name: 'biosnoop',
  fidelity: 'events',
  platform: 'linux',
  description: 'bcc / libbpf-tools biosnoop (every layout: -Q, -P, -d, -t, -m): TIME(s) COMM PID DISK T SECTOR BYTES LAT(ms)',
  sniff(head: string[]): number {
    return headerIn(head, biosnoopLayout) ? 0.95 : 0;
  },
  create: createBiosnoopParser,
};
