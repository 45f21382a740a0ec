// Linux sysstat `iostat -o JSON` (any of -x, -s, plain; with or without -t):
//
// {"sysstat": {"hosts": [{"nodename": ..., "date": "06/01/20", "statistics": [
//     {"timestamp": "...", "avg-cpu": {...}, "disk": [{"disk_device": "sda", "r/s": 6.90, ...,
//      "aqu-sz": 0.10, "util": 0.46}]}, ... ]}]}}
//
// Keys drop the `%` of the text headers (`util`, `rrqm`). The parser streams: each element of a
// "statistics" array is parsed as soon as it is complete, so an interrupted iostat (Ctrl-C
// before the closing brackets) still yields every complete report. A corrupt element (a stray
// quote, see resyncLine) is skipped and counted; the elements after it are read.

import type { InputFormat } from './types.js';
import { BlockAssembler, parseTimestampLine, type PendingRow } from './interval-common.js';
import { linuxConverter } from './iostat-linux.js';

/** JSON's structural characters and whitespace: what ends a bare token. */
const STRUCTURAL = /[\s{}[\],:"]/;
/** The bare tokens JSON allows: numbers and literals. */
const JSON_LITERAL = /^(?:-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)$/;

/** A statistics element longer than this (its closing brace lost) is skipped, not held. */
const MAX_ELEMENT_CHARS = 16 << 20;

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

    /** The element being collected is corrupt (a stray quote): skipped when it ends. */
    let bad = false;
    let objChars = 0;
    /** depth at the start of the line, and the line's brackets counted without regard to quotes */
    let lineStartDepth = 0;
    let rawDelta = 0;
    /** A bare token outside the elements (a number or literal, or junk), and the last line reported for junk. */
    let token = '';
    let junkLine = 0;
    const endToken = () => {
      if (!token) return;
      if ((depth === 0 || !JSON_LITERAL.test(token)) && junkLine !== line) {
        junkLine = line;
        sink.skip(line, 'BAD_JSON', `iostat JSON: text outside the statistics elements: "${token.slice(0, 20)}"`);
      }
      token = '';
    };

    const finishElement = (text: string) => {
      if (bad) sink.skip(objStart, 'BAD_JSON', 'iostat JSON: a statistics element with unbalanced quotes (skipped; the next one is read)');
      else if (objChars > MAX_ELEMENT_CHARS) sink.skip(objStart, 'BAD_JSON', `iostat JSON: a statistics element longer than ${MAX_ELEMENT_CHARS} characters`);
      else handleStat(text, objStart);
      bad = false;
      objChars = 0;
    };

    /**
     * A line that ended inside a string: JSON strings cannot span lines, so a quote on it was
     * stray. Its brackets are counted as if it had no strings (sysstat prints no brackets inside
     * its strings), which puts the depth back where the layout has it; the element it belongs
     * to is skipped.
     */
    const resyncLine = (chunk: string, nl: number, segStart: number): number => {
      inString = false;
      escape = false;
      depth = lineStartDepth + rawDelta;
      if (obj !== null) {
        bad = true;
        if (depth <= statsDepth) {
          obj.push(chunk.slice(segStart, nl));
          obj = null;
          finishElement('');
          if (depth < statsDepth) statsDepth = -1;
        }
      } else if (statsDepth >= 0) {
        if (depth > statsDepth) {
          // an element began on this line: collect the rest of it, to skip it whole
          obj = [];
          objStart = line;
          bad = true;
          return nl + 1;
        }
        if (depth < statsDepth) statsDepth = -1;
      }
      return segStart;
    };

    return {
      write(chunk: string) {
        let segStart = 0;
        for (let i = 0; i < chunk.length; i++) {
          const c = chunk[i];
          if (c === '\n') {
            if (inString) segStart = resyncLine(chunk, i, segStart);
            endToken();
            line++;
            lineStartDepth = depth;
            rawDelta = 0;
            continue;
          }
          if (c === '{' || c === '[') rawDelta++;
          else if (c === '}' || c === ']') rawDelta--;
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
          if (obj === null) {
            // outside the elements (JSON.parse checks those), a bare token must be a JSON value
            if (!STRUCTURAL.test(c)) {
              if (token.length < 64) token += c;
              continue;
            }
            endToken();
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
              finishElement(text);
            } else if (c === ']' && depth === statsDepth - 1) {
              statsDepth = -1;
            }
            continue;
          }
          if (c === ',') pendingKey = undefined;
        }
        if (obj !== null) {
          // an element too long to be one (its end lost) is counted, not kept
          objChars += chunk.length - segStart;
          if (objChars <= MAX_ELEMENT_CHARS) obj.push(chunk.slice(segStart));
          else obj = [];
        }
      },
      end() {
        if (obj !== null) sink.skip(objStart, 'TRUNCATED', 'iostat JSON: the input ended inside a statistics element');
        asm.end();
        if (!sawAny) sink.skip(1, 'BAD_JSON', 'iostat JSON: no JSON object found');
        else if (depth !== 0 || inString) {
          sink.warn(`iostat JSON: the input ended before its closing brackets (interrupted?); kept the ${reports} complete report(s)`);
        }
      },
    };
  },
};
