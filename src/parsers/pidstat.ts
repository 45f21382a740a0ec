// sysstat `pidstat -d`: per-process disk IO per interval.
//
//   Linux 6.1.0 (db01)   03/04/24   _x86_64_   (8 CPU)
//
//   12:53:20      UID       PID   kB_rd/s   kB_wr/s kB_ccwr/s iodelay  Command
//   12:53:21        0       812    512.00      0.00      0.00      12  postgres
//
// Layouts: the time as `HH:MM:SS` or `HH:MM:SS AM` (locale), or epoch seconds under a `# Time`
// header with -h (which puts every selected statistic on one line); `USER` instead of `UID`
// with -U; `TGID TID` instead of `PID` with -t (a process's total has TID `-`, its threads
// `|__name` rows with TGID `-`: only the totals are read, so nothing is counted twice); no
// `iodelay` before sysstat 10.1.6; `Average:` blocks at the end (left out: they repeat the
// intervals). The Command may contain spaces (it is the rest of the line).
//
// A tenant is a command (every process of that name together); `--zone-from pid` keeps processes
// apart (`name (pid)`), `--zone-from uid` groups by user. kB_rd/s and kB_wr/s are rates over the
// interval: bytes = rate × interval. pidstat counts bytes, not ops, so shares are shares of
// bytes; kB_ccwr/s (writes cancelled before reaching the disk) are not counted. iodelay is the
// time the process waited for block IO (clock ticks of 10 ms): read as its IO stall time.
// A report's header carries the time its interval began, its rows the time it ended (with -h,
// only the end: the first interval's length then comes from --interval or a pasted command line
// `pidstat -d 5`, else 1 s with a warning).

import type { IntervalSample } from '../records.js';
import type { InputFormat } from './types.js';
import { lineParser } from './lines.js';
import { BlockAssembler, NS_PER_S, parsePrompt, promptIntervalNs, show, tokens, type PendingRow } from './interval-common.js';
import { BANNER } from './iostat-linux.js';

/** USER_HZ: the unit of iodelay (delay accounting clock ticks). */
const TICK_NS = 10e6;
const TIME_RE = /^\d{1,2}:\d{2}:\d{2}$/;
const AMPM_RE = /^(?:AM|PM|am|pm)$/;

function isHeader(toks: string[]): boolean {
  return toks.includes('kB_rd/s') && toks.includes('Command');
}

/** Seconds since midnight of `HH:MM:SS` [AM|PM], or NaN. */
function daySeconds(hms: string, ampm: string | undefined): number {
  const m = /^(\d{1,2}):(\d{2}):(\d{2})$/.exec(hms);
  if (!m) return NaN;
  let h = Number(m[1]);
  if (ampm) {
    const pm = ampm.toLowerCase() === 'pm';
    if (h === 12) h = pm ? 12 : 0;
    else if (pm) h += 12;
  }
  return h * 3600 + Number(m[2]) * 60 + Number(m[3]);
}

export function convertPidstat(row: PendingRow, startNs: number, durationNs: number): IntervalSample {
  const v = row.values;
  const secs = durationNs / NS_PER_S;
  const s: IntervalSample = {
    kind: 'zone',
    name: row.name,
    startNs,
    durationNs,
    readOps: 0,
    writeOps: 0,
    readBytes: (v.get('kB_rd/s') ?? 0) * 1024 * secs,
    writeBytes: (v.get('kB_wr/s') ?? 0) * 1024 * secs,
  };
  const delay = v.get('iodelay');
  if (delay !== undefined) s.pressureStallNs = delay * TICK_NS;
  return s;
}

export const pidstatFormat: InputFormat = {
  name: 'pidstat',
  fidelity: 'intervals',
  platform: 'linux',
  description: 'sysstat pidstat -d [-h] [-t] [-U]: per-process kB read/written per second and IO delay',
  sniff(head: string[]): number {
    for (const line of head) if (isHeader(tokens(line))) return 0.97;
    return 0;
  },
  create(sink, opts) {
    const asm = new BlockAssembler(sink, opts, 'pidstat', convertPidstat, false);
    const zoneFrom = opts.zoneFrom;
    let cols: string[] | undefined;
    let timeToks = 1;
    let epoch = false;
    let lastTime: string | undefined;
    let dayOffset = 0;
    let lastDaySec = -1;
    let threadRows = 0;
    let averages = 0;
    let inAverage = false;
    let sawDelay = false;
    let headerNs: number | undefined;

    const timeNs = (toks: string[]): number => {
      if (epoch) return opts.timeBase.toNs(toks[0], NS_PER_S);
      let sec = daySeconds(toks[0], timeToks === 2 ? toks[1] : undefined);
      if (!Number.isFinite(sec)) return NaN;
      // past midnight: the clock starts again from 0
      if (sec + dayOffset < lastDaySec) dayOffset += 86400;
      sec += dayOffset;
      lastDaySec = sec;
      return opts.timeBase.toNs(String(sec), NS_PER_S);
    };

    return lineParser(
      (text, lineNo, truncated) => {
        const t = text.trim();
        if (t === '') {
          inAverage = false;
          return;
        }
        if (BANNER.test(t)) return;
        const toks = tokens(t);
        if (toks[0] === 'Average:') {
          inAverage = true;
          if (!isHeader(toks)) averages++;
          return;
        }
        if (isHeader(toks)) {
          inAverage = false;
          if (toks[0] === '#' && toks[1] === 'Time') {
            epoch = true;
            timeToks = 1;
            cols = toks.slice(2, toks.indexOf('Command'));
          } else {
            epoch = false;
            timeToks = toks.length > 1 && AMPM_RE.test(toks[1]) ? 2 : 1;
            cols = toks.slice(timeToks, toks.indexOf('Command'));
            // the header carries the time the interval began
            headerNs = TIME_RE.test(toks[0]) ? timeNs(toks) : undefined;
          }
          if (cols.includes('iodelay')) sawDelay = true;
          return;
        }
        const cmd = parsePrompt(t);
        if (cmd?.tool === 'pidstat') {
          const iv = promptIntervalNs(cmd, ['-p', '-C', '-G', '-T', '-e', '-U', '--dec']);
          if (iv) asm.commandInterval(iv, cmd.text);
          return;
        }
        if (inAverage) return;
        if (!cols) {
          sink.skip(lineNo, 'NO_HEADER', `pidstat: expected a header with kB_rd/s and Command before rows, found ${show(text)}`);
          return;
        }
        if (toks.length < timeToks + cols.length + 1) {
          sink.skip(lineNo, truncated ? 'TRUNCATED' : 'FIELD_COUNT', `pidstat: expected a time, ${cols.length} values and a command, found ${show(text)}`);
          return;
        }
        if (!epoch && !TIME_RE.test(toks[0])) {
          sink.skip(lineNo, 'BAD_ROW', `pidstat: expected a row starting with its time, found ${show(text)}`);
          return;
        }
        const values = new Map<string, number>();
        let tid: string | undefined;
        let id = '';
        let user = '';
        for (let i = 0; i < cols.length; i++) {
          const c = cols[i];
          const tok = toks[timeToks + i];
          if (c === 'TID') tid = tok;
          if (c === 'PID' || c === 'TGID') id = tok;
          if (c === 'UID' || c === 'USER') user = tok;
          if (c === 'USER' || c === 'TID' || c === 'TGID' || c === 'PID' || c === 'UID' || c === 'policy') continue;
          const v = Number(tok.replace(',', '.'));
          if (!/^-?\d+(?:[.,]\d+)?$/.test(tok) || !Number.isFinite(v)) {
            sink.skip(lineNo, 'NOT_A_NUMBER', `pidstat: ${c} is not a number: ${show(tok)}`);
            return;
          }
          values.set(c, v);
        }
        if (tid !== undefined && tid !== '-') {
          threadRows++; // a thread of a process whose total is on its own row
          return;
        }
        const command = toks.slice(timeToks + cols.length).join(' ');
        const ts = timeNs(toks);
        if (!Number.isFinite(ts)) {
          sink.skip(lineNo, 'NOT_A_NUMBER', `pidstat: bad time ${show(toks[0])}`);
          return;
        }
        const timeKey = toks.slice(0, timeToks).join(' ');
        if (timeKey !== lastTime) {
          asm.timestamp(ts);
          if (headerNs !== undefined) asm.startedAt(headerNs);
          headerNs = undefined;
          lastTime = timeKey;
        }
        const name = zoneFrom === 'pid' ? `${command} (${id})` : zoneFrom === 'uid' ? user : command;
        const row = asm.get(name);
        if (row) {
          for (const [k, v] of values) row.values.set(k, (row.values.get(k) ?? 0) + v);
        } else {
          asm.add(name, { kind: 'zone', name, values, line: lineNo });
        }
      },
      () => {
        asm.end();
        if (threadRows) sink.warn(`pidstat -t: ${threadRows} thread row(s) left out: their process's total row counts them`);
        if (averages) sink.warn(`pidstat: the Average: block (${averages} row(s)) was left out: it repeats the intervals`);
        sink.warn('pidstat -d attributes IO to the process that issued it: writeback of buffered writes shows up under kernel threads (kworker, jbd2), not the writer');
        if (sawDelay) sink.warn("pidstat iodelay (clock ticks of 10 ms waiting for block IO, swap-in included) is read as each command's IO stall time");
      },
    );
  },
};
