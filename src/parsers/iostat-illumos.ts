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
  parsePrompt,
  parseTimestampLine,
  promptIntervalNs,
  show,
  tokens,
  type PendingRow,
} from './interval-common.js';

const BANNER = /extended device statistics/;
const DEFAULT_N_COLS = ['r/s', 'w/s', 'kr/s', 'kw/s', 'wait', 'actv', 'wsvc_t', 'asvc_t', '%w', '%b'];
/** `-x` without `-n`: the device first, one svc_t. */
const DEFAULT_X_COLS = ['r/s', 'w/s', 'kr/s', 'kw/s', 'wait', 'actv', 'svc_t', '%w', '%b'];
const NUM = /^\d+(?:\.\d+)?$/;
const NAME = /^[A-Za-z][\w.:/-]*$/;
/** Device names iostat prints on illumos: cXtYdZ, sdN, cmdkN, the `zones` pool, ramdisk, lofi. */
const ILLUMOS_DEVICE = /^(?:c\d+(?:t[\dA-F]+)?d\d+(?:s\d+|p\d+)?|(?:sd|ssd|cmdk|dad|blkdev|vdc|xdf|nvme|md|lofi|ramdisk)\d+(?:,\w+)?|zones)$/;
/** A headerless `-xn` row: 10 numbers, then the device. */
const ROW_XN = (t: string[]) => t.length === 11 && t.slice(0, 10).every((x) => NUM.test(x)) && NAME.test(t[10]);
/** A headerless `-x` row: the device, then 9 numbers. */
const ROW_X = (t: string[]) => t.length === 10 && NAME.test(t[0]) && t.slice(1).every((x) => NUM.test(x));

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
    let rows = 0;
    let devices = 0;
    for (const line of head) {
      if (BANNER.test(line)) return 0.95;
      const toks = tokens(line);
      if (headerShape(toks)) score = 0.9;
      else if (ROW_XN(toks) || ROW_X(toks)) {
        rows++;
        if (ILLUMOS_DEVICE.test(ROW_X(toks) ? toks[0] : toks[10])) devices++;
      }
    }
    // rows pasted without the banner and header: their shape alone (stronger with device names,
    // as a 2011 ziostat row without zone ids has the -xn shape too)
    return score || (rows >= 1 ? (devices > 0 ? 0.65 : 0.5) : 0);
  },
  resembles(head: string[]): string | undefined {
    for (const line of head) {
      const t = tokens(line);
      const nums = t.length - 1;
      if (nums < 4 || nums > 16) continue;
      if (ILLUMOS_DEVICE.test(t[nums]) && t.slice(0, -1).every((x) => NUM.test(x)))
        return `illumos iostat -xn output (numbers, then a device name), but the header is missing or unknown and ${nums} numbers match no known layout (10)`;
      if (ILLUMOS_DEVICE.test(t[0]) && t.slice(1).every((x) => NUM.test(x)))
        return `illumos iostat -x output (a device name, then numbers), but the header is missing or unknown and ${nums} numbers match no known layout (9)`;
    }
    return undefined;
  },
  create(sink, opts) {
    const asm = new BlockAssembler(sink, opts, 'iostat', convertIllumosIostat);
    let cols = DEFAULT_N_COLS;
    let deviceFirst = false;
    let perInterval = false;
    let byteUnit = 1024;
    let changes = 0;
    let sawHeader = false;
    let warnedHeaderless = false;
    return lineParser(
      (text, lineNo) => {
        const t = text.trim();
        if (t === '') return;
        if (BANNER.test(t)) {
          asm.boundary();
          return;
        }
        const cmd = parsePrompt(t);
        if (cmd?.tool === 'iostat') {
          const iv = promptIntervalNs(cmd, ['-T', '-l']);
          if (iv) asm.commandInterval(iv, cmd.text);
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
          sawHeader = true;
          // a header without a banner (banner cut off) still starts a report
          if (asm.size > 0) asm.boundary();
          return;
        }
        if (!sawHeader && (ROW_X(toks) || ROW_XN(toks))) {
          // rows pasted without their header: the layout from the row's shape
          sawHeader = true;
          deviceFirst = ROW_X(toks);
          cols = deviceFirst ? DEFAULT_X_COLS : DEFAULT_N_COLS;
          if (!warnedHeaderless) {
            warnedHeaderless = true;
            sink.warn(
              `iostat: rows without a header line: columns assumed to be ${deviceFirst ? 'device ' + cols.join(' ') : cols.join(' ') + ' device'} ` +
                `(iostat -x${deviceFirst ? '' : 'n'}; a -M or -I paste needs its header to be read right)`,
            );
          }
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
