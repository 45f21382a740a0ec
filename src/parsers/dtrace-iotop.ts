// DTraceToolkit `iotop` (Solaris, illumos, SmartOS): disk IO per process per interval.
//
//   2024 Mar  4 12:53:25,  load: 0.52,  disk_r:   5023 KB,  disk_w:    412 KB
//
//     UID    PID   PPID CMD              DEVICE  MAJ MIN D            BYTES
//       0   2741      1 postgres         sd1      32  64 R          4194304
//
// One block per interval, each after a `%Y, load: …` line (the end of the interval) and a
// header; without -C the screen is cleared first (the escape is ignored). The first column is
// UID, or PROJ with -j, or ZONE (the zone id) with -Z; the last is the interval's sum, per
// process, device and direction (D = R/W), of: BYTES (default), ELAPSED (-D: each IO's start to
// completion, µs), DISKTIME (-o: each IO's share of its disk's busy time, µs — the time between
// completions, or from the start when the disk was idle: the device time of a one-at-a-time
// disk) or %I/O (-P: DISKTIME as a percentage of the interval). CMD may contain spaces.
//
// The tenant is the zone with -Z (named by --zones ID=NAME, else `zoneid:N`), the project with -j,
// else the command (`--zone-from pid` keeps processes apart, `uid` groups by user). DISKTIME and
// %I/O are read as each tenant's device time; ELAPSED as a device-time estimate (the sum of IO
// latencies, which overstates it when IOs overlap); BYTES as bytes. iotop counts no ops.

import type { IntervalSample } from '../records.js';
import type { InputFormat } from './types.js';
import { lineParser } from './lines.js';
import { BlockAssembler, NS_PER_S, parsePrompt, promptIntervalNs, show, stripAnsi, tokens, type PendingRow } from './interval-common.js';

const SUMMARY_RE = /^(\d{4}) ([A-Z][a-z]{2}) +(\d{1,2}) (\d{1,2}):(\d{2}):(\d{2}),\s+load:\s*[\d.]+,\s+disk_r:\s*\d+ KB,\s+disk_w:\s*\d+ KB\s*$/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const VALUE_COLS = ['BYTES', 'ELAPSED', 'DISKTIME', '%I/O'];
/** iotop's own default interval. */
const DEFAULT_INTERVAL_NS = 5 * NS_PER_S;

function headerOf(toks: string[]): { first: string; value: string } | undefined {
  if (toks.length !== 9) return undefined;
  const [first, pid, ppid, cmd, dev, maj, min, d, value] = toks;
  if (!['UID', 'PROJ', 'ZONE'].includes(first) || pid !== 'PID' || ppid !== 'PPID' || cmd !== 'CMD' || dev !== 'DEVICE') return undefined;
  if (maj !== 'MAJ' || min !== 'MIN' || d !== 'D' || !VALUE_COLS.includes(value)) return undefined;
  return { first, value };
}

export function convertIotop(row: PendingRow, startNs: number, durationNs: number): IntervalSample {
  const v = row.values;
  const s: IntervalSample = {
    kind: 'zone',
    name: row.name,
    device: row.device,
    startNs,
    durationNs,
    readOps: 0,
    writeOps: 0,
    readBytes: v.get('R:BYTES') ?? 0,
    writeBytes: v.get('W:BYTES') ?? 0,
  };
  const us = (v.get('R:DISKTIME') ?? 0) + (v.get('W:DISKTIME') ?? 0) + (v.get('R:ELAPSED') ?? 0) + (v.get('W:ELAPSED') ?? 0);
  const pct = (v.get('R:%I/O') ?? 0) + (v.get('W:%I/O') ?? 0);
  if (v.has('R:%I/O') || v.has('W:%I/O')) s.deviceTimeNs = (pct / 100) * durationNs;
  else if (us > 0 || [...v.keys()].some((k) => /DISKTIME|ELAPSED/.test(k))) s.deviceTimeNs = us * 1000;
  return s;
}

export const dtraceIotopFormat: InputFormat = {
  name: 'dtrace-iotop',
  fidelity: 'intervals',
  platform: 'illumos',
  description: 'DTraceToolkit iotop [-C] [-D|-o|-P] [-j|-Z]: per-process (or zone) disk bytes or device time per interval',
  sniff(head: string[]): number {
    let summary = false;
    for (const line of head) {
      const t = stripAnsi(line).trim();
      if (headerOf(tokens(t))) return 0.97;
      if (SUMMARY_RE.test(t)) summary = true;
    }
    // the summary line alone is not enough: DTraceToolkit's iopending prints the same one
    return summary ? 0.5 : 0;
  },
  create(sink, opts) {
    const asm = new BlockAssembler(sink, opts, 'iotop', convertIotop, false, DEFAULT_INTERVAL_NS);
    let header: { first: string; value: string } | undefined;
    const modes = new Set<string>();
    return lineParser(
      (raw, lineNo, truncated) => {
        const t = stripAnsi(raw).trim();
        if (t === '' || /^Tracing\.\.\./.test(t) || t === '^C') return;
        const sm = SUMMARY_RE.exec(t);
        if (sm) {
          const mo = MONTHS.indexOf(sm[2]);
          const ms = Date.UTC(Number(sm[1]), mo, Number(sm[3]), Number(sm[4]), Number(sm[5]), Number(sm[6]));
          asm.timestamp(opts.timeBase.toNs(String(ms / 1000), NS_PER_S));
          return;
        }
        const toks = tokens(t);
        const h = headerOf(toks);
        if (h) {
          header = h;
          modes.add(h.first === 'UID' ? h.value : `${h.first} ${h.value}`);
          return;
        }
        const cmd = parsePrompt(t);
        if (cmd?.tool === 'iotop') {
          const iv = promptIntervalNs(cmd, ['-d', '-f', '-m', '-t']);
          if (iv) asm.commandInterval(iv, cmd.text);
          return;
        }
        if (!header) {
          sink.skip(lineNo, 'NO_HEADER', `iotop: expected a "UID PID PPID CMD DEVICE MAJ MIN D BYTES" header before rows, found ${show(raw)}`);
          return;
        }
        // id pid ppid CMD… DEVICE MAJ MIN D VALUE
        const n = toks.length;
        if (n < 9) {
          sink.skip(lineNo, truncated ? 'TRUNCATED' : 'FIELD_COUNT', `iotop: expected 9 columns, found ${n}: ${show(raw)}`);
          return;
        }
        const [id, pid, ppid] = toks;
        const [device, maj, min, d, value] = toks.slice(n - 5);
        const command = toks.slice(3, n - 5).join(' ');
        if (![id, pid, ppid, maj, min, value].every((x) => /^-?\d+$/.test(x))) {
          sink.skip(lineNo, 'NOT_A_NUMBER', `iotop: expected numbers in ${header.first}, PID, PPID, MAJ, MIN and ${header.value}, found ${show(raw)}`);
          return;
        }
        if (d !== 'R' && d !== 'W') {
          sink.skip(lineNo, 'BAD_OP', `iotop: D is neither R nor W: ${show(d)}`);
          return;
        }
        if (Number(value) < 0) {
          sink.skip(lineNo, 'NEGATIVE', `iotop: negative ${header.value}: ${value}`);
          return;
        }
        let name: string;
        if (header.first === 'ZONE') name = opts.zones?.get(id) ?? `zoneid:${id}`;
        else if (header.first === 'PROJ') name = `project:${id}`;
        else if (opts.zoneFrom === 'pid') name = `${command} (${pid})`;
        else if (opts.zoneFrom === 'uid') name = `uid:${id}`;
        else name = command || '?';
        const key = `${name}\0${device}`;
        let row = asm.get(key);
        if (!row) {
          row = { kind: 'zone', name, device, values: new Map(), line: lineNo };
          asm.add(key, row);
        }
        const k = `${d}:${header.value}`;
        row.values.set(k, (row.values.get(k) ?? 0) + Number(value));
      },
      () => {
        asm.end();
        const m = [...modes];
        if (m.some((x) => x.startsWith('ZONE'))) {
          sink.warn(
            'iotop -Z names the zone of the thread that started each IO (io:::start): ZFS issues its disk IO from kernel taskq threads in the global zone, so on ZFS pools most IO shows as zone 0, not the zone that asked for it',
          );
        }
        if (m.some((x) => x.endsWith('DISKTIME'))) sink.warn('iotop -o: DISKTIME read as each tenant\'s device time (its IOs\' shares of their disk\'s busy time)');
        if (m.some((x) => x.endsWith('%I/O'))) sink.warn('iotop -P: %I/O (whole percents of the interval) read as each tenant\'s device time');
        if (m.some((x) => x.endsWith('ELAPSED'))) {
          sink.warn('iotop -D: ELAPSED (the sum of the IOs\' start-to-completion times) read as device time: it overstates it when IOs overlap');
        }
        if (m.some((x) => x.endsWith('BYTES'))) sink.warn('iotop counts bytes per process, not ops or time: -o (DISKTIME) gives device time');
      },
    );
  },
};
