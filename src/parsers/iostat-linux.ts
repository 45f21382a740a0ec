// Linux sysstat `iostat`: the -x layouts (current, legacy ≤ 11.5.6, short -s, --pretty), the
// plain layout (tps kB_read/s ...), with the `Linux ... (host)` banner, `avg-cpu:` blocks and
// `-t` timestamp lines (locale, ISO or epoch). The first report averages since boot (unless
// iostat ran with -y, which the text does not show).
//
// Device            r/s     rkB/s   rrqm/s  %rrqm r_await rareq-sz     w/s ...  aqu-sz  %util
// sda              6.90    222.14     0.39   5.38   12.58    32.21    1.69 ...    0.10   0.46
//
// --pretty prints the device name last and the read / write / discard / flush groups as
// separate tables within one report; their rows are merged per device.

import type { IntervalSample, RecordSink } from '../records.js';
import type { InputFormat } from './types.js';
import { lineParser } from './lines.js';
import { BlockAssembler, NS_PER_S, num, parsePrompt, parseTimestampLine, promptIntervalNs, show, tokens, type PendingRow } from './interval-common.js';

export const BANNER = /^Linux\s+\S+\s+\(.*\)\s+\S+\s+_\S+_\s*(\(\d+\s+CPU\))?\s*$/;
const K_NO_SPLIT = '\0ns';

/**
 * The -x layouts by their number of columns after the device name, for rows pasted without their
 * header: sysstat 12.3.1+ (flush), 12.1.2–12.3.0 (discard), 11.5.7–12.1.1, and ≤ 11.5.6.
 */
const HEADERLESS_LAYOUTS = new Map<number, [string, string[]]>([
  [22, ['sysstat ≥ 12.3.1', 'r/s rkB/s rrqm/s %rrqm r_await rareq-sz w/s wkB/s wrqm/s %wrqm w_await wareq-sz d/s dkB/s drqm/s %drqm d_await dareq-sz f/s f_await aqu-sz %util'.split(' ')]],
  [20, ['sysstat 12.1.2–12.3.0', 'r/s rkB/s rrqm/s %rrqm r_await rareq-sz w/s wkB/s wrqm/s %wrqm w_await wareq-sz d/s dkB/s drqm/s %drqm d_await dareq-sz aqu-sz %util'.split(' ')]],
  [15, ['sysstat 11.5.7–12.1.1', 'r/s w/s rkB/s wkB/s rrqm/s wrqm/s %rrqm %wrqm r_await w_await aqu-sz rareq-sz wareq-sz svctm %util'.split(' ')]],
  [13, ['sysstat ≤ 11.5.6', 'rrqm/s wrqm/s r/s w/s rkB/s wkB/s avgrq-sz avgqu-sz await r_await w_await svctm %util'.split(' ')]],
]);
const LINUX_DEVICE = /^(?:[sv]d[a-z]+\d*|xvd[a-z]+\d*|hd[a-z]+\d*|nvme\d+n\d+(?:p\d+)?|dm-\d+|md\d+|loop\d+|mmcblk\d+(?:p\d+)?|sr\d+|rbd\d+|nbd\d+|zram\d+|bcache\d+)$/;

/** A row of a device name then n numbers (the -x layouts), or undefined. */
function headerlessRow(toks: string[]): number | undefined {
  if (toks.length < 6 || !/^[A-Za-z][\w.:-]*$/.test(toks[0])) return undefined;
  for (let i = 1; i < toks.length; i++) if (!/^\d+(?:[.,]\d+)?$/.test(toks[i])) return undefined;
  return toks.length - 1;
}

/** Linux iostat number: `6.90`, or `6,90` in locales with a decimal comma. */
export function linuxNum(tok: string | undefined): number {
  if (tok === undefined) return NaN;
  const v = num(tok);
  if (Number.isFinite(v)) return v;
  return /^\d+,\d+$/.test(tok) ? num(tok.replace(',', '.')) : NaN;
}

function isDeviceHeader(toks: string[]): 'first' | 'last' | undefined {
  if (toks.length < 3) return undefined;
  const known = (t: string) => /^(r\/s|w\/s|tps|rrqm\/s|rkB\/s|rMB\/s|kB_read\/s|MB_read\/s|%util|f\/s|d\/s|aqu-sz)$/.test(t);
  if ((toks[0] === 'Device' || toks[0] === 'Device:') && toks.slice(1).some(known)) return 'first';
  if (toks[toks.length - 1] === 'Device' && toks.slice(0, -1).some(known)) return 'last';
  return undefined;
}

function pick(v: Map<string, number>, ...keys: string[]): [number, number] | undefined {
  // returns [value, bytes per unit]
  for (const k of keys) {
    const x = v.get(k);
    if (x === undefined) continue;
    if (k.includes('MB')) return [x, 1024 * 1024];
    if (k.includes('sec')) return [x, 512];
    return [x, 1024];
  }
  return undefined;
}

/**
 * Converts one device's sysstat columns (text header names, or JSON keys once aliased by
 * `linuxKey`) to a sample. Exported for the JSON parser.
 */
export function convertLinuxIostat(row: PendingRow, startNs: number, durationNs: number): IntervalSample | string {
  const v = row.values;
  const secs = durationNs / NS_PER_S;
  let r = v.get('r/s');
  let w = v.get('w/s');
  const rb = pick(v, 'rkB/s', 'rMB/s', 'rsec/s', 'kB_read/s', 'MB_read/s');
  const wb = pick(v, 'wkB/s', 'wMB/s', 'wsec/s', 'kB_wrtn/s', 'MB_wrtn/s');
  let readBytes = rb ? rb[0] * rb[1] * secs : 0;
  let writeBytes = wb ? wb[0] * wb[1] * secs : 0;
  if (r === undefined || w === undefined) {
    const tps = v.get('tps');
    if (tps === undefined) return 'iostat row without r/s, w/s or tps';
    const tb = pick(v, 'kB/s', 'MB/s');
    if (tb) readBytes = tb[0] * tb[1] * secs;
    // no read/write split: apportion ops by bytes when both are known, else count them as reads
    const tot = readBytes + writeBytes;
    if (tot > 0 && (rb || wb) && !tb) {
      r = (tps * readBytes) / tot;
      w = tps - r;
    } else {
      r = tps;
      w = 0;
    }
    v.set(K_NO_SPLIT, 1);
  }
  const readOps = r * secs;
  const writeOps = w * secs;
  const s: IntervalSample = { kind: 'device', name: row.name, startNs, durationNs, readOps, writeOps, readBytes, writeBytes };
  const ra = v.get('r_await');
  const wa = v.get('w_await');
  if (ra !== undefined) s.readLatencyNs = ra * 1e6;
  if (wa !== undefined) s.writeLatencyNs = wa * 1e6;
  const aw = v.get('await');
  if (aw !== undefined) s.avgLatencyNs = aw * 1e6;
  else if (ra !== undefined || wa !== undefined) {
    const ops = readOps + writeOps;
    s.avgLatencyNs = ops > 0 ? (readOps * (ra ?? 0) + writeOps * (wa ?? 0)) * 1e6 / ops : 0;
  }
  const svctm = v.get('svctm');
  if (svctm !== undefined) s.serviceLatencyNs = svctm * 1e6;
  const q = v.get('aqu-sz') ?? v.get('avgqu-sz');
  if (q !== undefined) s.queueDepth = q;
  const u = v.get('%util');
  if (u !== undefined) s.utilization = u / 100;
  return s;
}

/** A converter that warns once when a layout has no read/write split. */
export function linuxConverter(sink: RecordSink, tool: string) {
  let warned = false;
  return (row: PendingRow, startNs: number, durationNs: number) => {
    const s = convertLinuxIostat(row, startNs, durationNs);
    if (!warned && row.values.get(K_NO_SPLIT) === 1) {
      warned = true;
      sink.warn(`${tool}: this layout prints tps without a read/write split: ops apportioned by bytes where possible, else counted as reads`);
    }
    return s;
  };
}

export const iostatLinuxFormat: InputFormat = {
  name: 'iostat-linux',
  fidelity: 'intervals',
  platform: 'linux',
  description: 'Linux sysstat iostat [-x] [-s] [--pretty] [-t] (current and legacy layouts): per-device rates, await, %util',
  sniff(head: string[]): number {
    let score = 0;
    let banner = false;
    let rows = 0;
    for (const line of head) {
      const toks = tokens(line);
      if (BANNER.test(line)) banner = true;
      else if (isDeviceHeader(toks)) score = 0.9;
      else if (/^avg-cpu:\s+%user/.test(line)) score = Math.max(score, 0.8);
      else {
        const n = headerlessRow(toks);
        if (n !== undefined && HEADERLESS_LAYOUTS.has(n)) rows++;
      }
    }
    // the banner alone is shared by every sysstat tool (pidstat, mpstat): not yet certain
    if (banner) return score ? 0.95 : 0.5;
    return score || (rows >= 1 ? 0.6 : 0);
  },
  resembles(head: string[]): string | undefined {
    for (const line of head) {
      const toks = tokens(line);
      const n = headerlessRow(toks);
      if (n !== undefined && !HEADERLESS_LAYOUTS.has(n) && LINUX_DEVICE.test(toks[0]))
        return `sysstat iostat -x output (a device name, then numbers), but the header is missing or unknown and ${n} numbers match no known layout (${[...HEADERLESS_LAYOUTS.keys()].join(', ')})`;
    }
    return undefined;
  },
  create(sink, opts) {
    const asm = new BlockAssembler(sink, opts, 'iostat', linuxConverter(sink, 'iostat'));
    let cols: string[] | undefined;
    let deviceLast = false;
    let cpuValuesNext = false;
    const headersInBlock = new Set<string>();
    const rowTable = new Map<string, string>();
    let table = '';
    const boundary = () => {
      asm.boundary();
      headersInBlock.clear();
      rowTable.clear();
    };
    return lineParser(
      (text, lineNo) => {
        const t = text.trim();
        if (t === '') return;
        if (BANNER.test(t)) {
          boundary();
          return;
        }
        if (t.startsWith('avg-cpu:')) {
          boundary();
          cpuValuesNext = true;
          return;
        }
        const toks = tokens(t);
        if (cpuValuesNext) {
          cpuValuesNext = false;
          if (toks.every((x) => Number.isFinite(linuxNum(x)))) return;
        }
        const ts = parseTimestampLine(t, opts.timeBase);
        if (ts !== undefined) {
          asm.timestamp(ts);
          headersInBlock.clear();
          rowTable.clear();
          return;
        }
        const shape = isDeviceHeader(toks);
        if (shape) {
          const key = toks.join(' ');
          if (headersInBlock.has(key)) boundary();
          headersInBlock.add(key);
          table = key;
          deviceLast = shape === 'last';
          cols = deviceLast ? toks.slice(0, -1) : toks.slice(1);
          return;
        }
        const cmd = parsePrompt(t);
        if (cmd?.tool === 'iostat') {
          const iv = promptIntervalNs(cmd, ['-g', '-j']);
          if (iv) asm.commandInterval(iv, cmd.text);
          return;
        }
        if (!cols) {
          const layout = HEADERLESS_LAYOUTS.get(headerlessRow(toks) ?? -1);
          if (!layout) {
            sink.skip(lineNo, 'NO_HEADER', `iostat: expected a "Device" header before rows, found ${show(text)}`);
            return;
          }
          // rows pasted without their header: the layout from the number of columns
          cols = layout[1];
          deviceLast = false;
          table = '\0headerless';
          sink.warn(`iostat: rows without a "Device" header line: ${cols.length} columns read as the ${layout[0]} -x layout: ${cols.join(' ')}`);
        }
        if (toks.length !== cols.length + 1) {
          sink.skip(lineNo, 'FIELD_COUNT', `iostat: expected a device and ${cols.length} numbers, found ${show(text)}`);
          return;
        }
        const name = deviceLast ? toks[toks.length - 1] : toks[0];
        const numToks = deviceLast ? toks.slice(0, -1) : toks.slice(1);
        const values = new Map<string, number>();
        for (let i = 0; i < cols.length; i++) {
          const v = linuxNum(numToks[i]);
          if (!Number.isFinite(v)) {
            sink.skip(lineNo, 'NOT_A_NUMBER', `iostat: column ${cols[i]} is not a number: ${show(numToks[i])}`);
            return;
          }
          values.set(cols[i], v);
        }
        // a device repeated under the same table is the next report (no header between them);
        // under another --pretty table of the same report it is merged
        if (asm.has(name) && rowTable.get(name) === table) {
          boundary();
          headersInBlock.add(table);
        }
        rowTable.set(name, table);
        asm.add(name, { kind: 'device', name, values, line: lineNo });
      },
      () => asm.end(),
    );
  },
};
