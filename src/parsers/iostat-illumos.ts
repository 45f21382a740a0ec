// illumos / SmartOS `iostat -x`, `-xn`, `-xnz` (and -M, -I, -e, -T d|u).
//
//                     extended device statistics
//     r/s    w/s   kr/s   kw/s wait actv wsvc_t asvc_t  %w  %b device
//    71.1   29.2  154.5  172.3  0.0  0.1    0.0    0.7   0   2 c0t0d0
//
// Without -n the device comes first and there is one `svc_t` (wait + active, ms). `-T u` prints
// an epoch line and `-T d` a date(1) line before each report's banner. `<<device added: sd0>>`
// lines may appear between reports. Pool (`zones`), lofi and ramdisk rows are devices like any
// other. The first report averages since boot.

import type { IntervalSample } from '../records.js';
import type { InputFormat } from './types.js';
import { lineParser } from './lines.js';
import {
  BlockAssembler,
  K_BYTE_UNIT,
  K_PER_INTERVAL,
  NS_PER_S,
  normaliseRateHeader,
  num,
  parseTimestampLine,
  show,
  tokens,
  type PendingRow,
} from './interval-common.js';

const BANNER = /extended device statistics/;
const DEFAULT_N_COLS = ['r/s', 'w/s', 'kr/s', 'kw/s', 'wait', 'actv', 'wsvc_t', 'asvc_t', '%w', '%b'];

function headerShape(toks: string[]): 'first' | 'last' | undefined {
  if (toks.length < 5) return undefined;
  const hasRate = toks.some((t) => /^[kM]?r\/[si]$/.test(t));
  const hasBusy = toks.includes('%b') || toks.includes('svc_t') || toks.includes('asvc_t');
  if (!hasRate || !hasBusy || toks.includes('zone')) return undefined;
  if (toks[0] === 'device') return 'first';
  if (toks[toks.length - 1] === 'device') return 'last';
  return undefined;
}

export function convertIllumosIostat(row: PendingRow, startNs: number, durationNs: number): IntervalSample | string {
  const v = row.values;
  const mult = v.get(K_PER_INTERVAL) === 1 ? 1 : durationNs / NS_PER_S;
  const byteUnit = v.get(K_BYTE_UNIT) ?? 1024;
  const r = v.get('r/s');
  const w = v.get('w/s');
  if (r === undefined || w === undefined) return 'iostat row without r/s and w/s columns';
  const s: IntervalSample = {
    kind: 'device',
    name: row.name,
    startNs,
    durationNs,
    readOps: r * mult,
    writeOps: w * mult,
    readBytes: (v.get('kr/s') ?? 0) * byteUnit * mult,
    writeBytes: (v.get('kw/s') ?? 0) * byteUnit * mult,
  };
  const wsvc = v.get('wsvc_t');
  const asvc = v.get('asvc_t');
  const svc = v.get('svc_t');
  if (wsvc !== undefined || asvc !== undefined) s.avgLatencyNs = ((wsvc ?? 0) + (asvc ?? 0)) * 1e6;
  else if (svc !== undefined) s.avgLatencyNs = svc * 1e6;
  const actv = v.get('actv');
  const wait = v.get('wait');
  if (asvc !== undefined) s.serviceLatencyNs = asvc * 1e6;
  else if (actv !== undefined) {
    // -x without -n prints no asvc_t: Little's law, as iostat itself computes it (actv / tps)
    const tps = (r + w) / (v.get(K_PER_INTERVAL) === 1 ? durationNs / NS_PER_S : 1);
    if (tps > 0) s.serviceLatencyNs = (actv / tps) * NS_PER_S;
  }
  const b = v.get('%b');
  if (b !== undefined) s.utilization = b / 100;
  if (actv !== undefined || wait !== undefined) s.queueDepth = (actv ?? 0) + (wait ?? 0);
  return s;
}

export const iostatIllumosFormat: InputFormat = {
  name: 'iostat-illumos',
  fidelity: 'intervals',
  platform: 'illumos',
  description: 'illumos/SmartOS iostat -x, -xn, -xnz [-M] [-I] [-T d|u]: per-device rates, service times, %busy',
  sniff(head: string[]): number {
    let score = 0;
    for (const line of head) {
      if (BANNER.test(line)) return 0.95;
      if (headerShape(tokens(line))) score = 0.9;
    }
    return score;
  },
  create(sink, opts) {
    const asm = new BlockAssembler(sink, opts, 'iostat', convertIllumosIostat);
    let cols = DEFAULT_N_COLS;
    let deviceFirst = false;
    let perInterval = false;
    let byteUnit = 1024;
    let changes = 0;
    return lineParser(
      (text, lineNo) => {
        const t = text.trim();
        if (t === '') return;
        if (BANNER.test(t)) {
          asm.boundary();
          return;
        }
        if (t.startsWith('<<') && t.endsWith('>>')) {
          changes++;
          return;
        }
        const ts = parseTimestampLine(t, opts.timeBase);
        if (ts !== undefined) {
          asm.timestamp(ts);
          return;
        }
        const toks = tokens(t);
        const shape = headerShape(toks);
        if (shape) {
          const h = normaliseRateHeader(shape === 'first' ? toks.slice(1) : toks.slice(0, -1));
          cols = h.cols;
          perInterval = h.perInterval;
          byteUnit = h.byteUnit;
          deviceFirst = shape === 'first';
          // a header without a banner (banner cut off) still starts a report
          if (asm.size > 0) asm.boundary();
          return;
        }
        if (toks.length !== cols.length + 1) {
          sink.skip(lineNo, 'FIELD_COUNT', `iostat: expected ${cols.length} numbers and a device name, found ${show(text)}`);
          return;
        }
        const name = deviceFirst ? toks[0] : toks[toks.length - 1];
        const numToks = deviceFirst ? toks.slice(1) : toks.slice(0, -1);
        const values = new Map<string, number>();
        for (let i = 0; i < cols.length; i++) {
          const v = num(numToks[i]);
          if (!Number.isFinite(v)) {
            sink.skip(lineNo, 'NOT_A_NUMBER', `iostat: column ${cols[i]} is not a number: ${show(numToks[i])} in ${show(text)}`);
            return;
          }
          values.set(cols[i], v);
        }
        values.set(K_PER_INTERVAL, perInterval ? 1 : 0);
        values.set(K_BYTE_UNIT, byteUnit);
        if (asm.has(name)) asm.boundary();
        asm.add(name, { kind: 'device', name, values, line: lineNo });
      },
      () => {
        asm.end();
        if (changes > 0) sink.warn(`iostat: ${changes} device added/removed notice(s) (<<device ...>>) during the run`);
      },
    );
  },
};
