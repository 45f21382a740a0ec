// Linux sysstat `iostat -o JSON` (any of -x, -s, plain; with or without -t):
//
// {"sysstat": {"hosts": [{"nodename": ..., "date": "06/01/20", "statistics": [
//     {"timestamp": "...", "avg-cpu": {...}, "disk": [{"disk_device": "sda", "r/s": 6.90, ...,
//      "aqu-sz": 0.10, "util": 0.46}]}, ... ]}]}}
//
// Keys drop the `%` of the text headers (`util`, `rrqm`). The parser streams: each element of a
// "statistics" array is parsed as soon as it is complete, so an interrupted iostat (Ctrl-C
// before the closing brackets) still yields every complete report.

import type { InputFormat } from './types.js';
import { BlockAssembler, parseTimestampLine, type PendingRow } from './interval-common.js';
import { linuxConverter } from './iostat-linux.js';

const ALIASES = new Map<string, string>([
  ['util', '%util'],
  ['rrqm', '%rrqm'],
  ['wrqm', '%wrqm'],
  ['drqm', '%drqm'],
]);

export const iostatJsonFormat: InputFormat = {
  name: 'iostat-json',
  fidelity: 'intervals',
  platform: 'linux',
  description: 'Linux sysstat iostat -o JSON: per-device rates, await, util',
  sniff(head: string[]): number {
    const text = head.slice(0, 10).join('\n');
    if (/^\s*\{\s*"sysstat"\s*:/.test(text) && /"hosts"|"sysstat"\s*:\s*\{\s*$/m.test(text)) return 0.95;
    return 0;
  },
  create(sink, opts) {
    const asm = new BlockAssembler(sink, opts, 'iostat -o JSON', linuxConverter(sink, 'iostat -o JSON'));
    let depth = 0;
    let inString = false;
    let escape = false;
    let str = '';
    let lastString = '';
    let afterColonKey: string | undefined;
    let pendingKey: string | undefined;
    let statsDepth = -1; // depth inside the statistics array, or -1
    let obj: string[] | null = null; // pieces of the statistics element being collected
    let objStart = 0;
    let line = 1;
    let hostDate: string | undefined;
    let collectDateNext = false;
    let reports = 0;
    let sawAny = false;

    const handleStat = (text: string, lineNo: number) => {
      let v: unknown;
      try {
        v = JSON.parse(text);
      } catch (e) {
        sink.skip(lineNo, 'BAD_JSON', `iostat JSON: a statistics element is not valid JSON (${(e as Error).message})`);
        return;
      }
      if (typeof v !== 'object' || v === null || Array.isArray(v)) {
        sink.skip(lineNo, 'BAD_JSON', 'iostat JSON: expected an object in "statistics"');
        return;
      }
      const o = v as Record<string, unknown>;
      asm.boundary();
      const ts = o['timestamp'];
      if (typeof ts === 'string') {
        let rel = parseTimestampLine(ts, opts.timeBase);
        if (rel === undefined && hostDate && /^\d{1,2}:\d{2}:\d{2}(\s*[AaPp][Mm])?$/.test(ts.trim())) {
          rel = parseTimestampLine(`${hostDate} ${ts.trim()}`, opts.timeBase);
        }
        if (rel !== undefined) asm.timestamp(rel);
        else sink.warn(`iostat JSON: unrecognised timestamp ${JSON.stringify(ts.slice(0, 40))}; reports taken as consecutive`);
      }
      const disks = o['disk'];
      if (!Array.isArray(disks)) {
        sink.skip(lineNo, 'BAD_JSON', 'iostat JSON: statistics element without a "disk" array (was iostat run with -c only?)');
        return;
      }
      reports++;
      for (const d of disks) {
        if (typeof d !== 'object' || d === null) continue;
        const rec = d as Record<string, unknown>;
        const name = rec['disk_device'];
        if (typeof name !== 'string' || name === '') {
          sink.skip(lineNo, 'BAD_JSON', 'iostat JSON: disk entry without "disk_device"');
          continue;
        }
        const values = new Map<string, number>();
        for (const k of Object.keys(rec)) {
          const x = rec[k];
          if (typeof x === 'number' && Number.isFinite(x)) values.set(ALIASES.get(k) ?? k, x);
        }
        const row: PendingRow = { kind: 'device', name, values, line: lineNo };
        asm.add(name, row);
      }
      asm.boundary();
    };

    return {
      write(chunk: string) {
        let segStart = 0;
        for (let i = 0; i < chunk.length; i++) {
          const c = chunk[i];
          if (c === '\n') line++;
          if (inString) {
            if (escape) escape = false;
            else if (c === '\\') escape = true;
            else if (c === '"') {
              inString = false;
              lastString = str;
              if (collectDateNext) {
                hostDate = str;
                collectDateNext = false;
              }
            } else if (obj === null && str.length < 256) str += c;
            continue;
          }
          if (c === '"') {
            inString = true;
            str = '';
            continue;
          }
          if (c === ':') {
            pendingKey = lastString;
            if (obj === null && pendingKey === 'date' && depth <= 3) collectDateNext = true;
            continue;
          }
          if (c === '{' || c === '[') {
            sawAny = true;
            afterColonKey = pendingKey;
            pendingKey = undefined;
            depth++;
            if (c === '[' && afterColonKey === 'statistics' && statsDepth < 0 && obj === null) statsDepth = depth;
            else if (c === '{' && statsDepth >= 0 && depth === statsDepth + 1 && obj === null) {
              obj = [];
              segStart = i;
              objStart = line;
            }
            continue;
          }
          if (c === '}' || c === ']') {
            depth--;
            pendingKey = undefined;
            if (c === '}' && obj !== null && depth === statsDepth) {
              obj.push(chunk.slice(segStart, i + 1));
              const text = obj.join('');
              obj = null;
              handleStat(text, objStart);
            } else if (c === ']' && depth === statsDepth - 1) {
              statsDepth = -1;
            }
            continue;
          }
          if (c === ',') pendingKey = undefined;
        }
        if (obj !== null) {
          obj.push(chunk.slice(segStart));
        }
      },
      end() {
        asm.end();
        if (!sawAny) sink.skip(1, 'BAD_JSON', 'iostat JSON: no JSON object found');
        else if (depth !== 0 || inString) {
          sink.warn(`iostat JSON: the input ended before its closing brackets (interrupted?); kept the ${reports} complete report(s)`);
        }
      },
    };
  },
};
