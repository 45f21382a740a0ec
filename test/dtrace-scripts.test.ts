// Holds each shipped D script's printf formats against the dtrace-iofair parser: the test reads
// the printf calls out of the rendered script, formats sample values with them (a small printf
// for %d/%s and \t/\n), and checks the parser gives back each value in its place.
import { describe, it, expect } from 'vitest';
import { dtraceScript } from '../src/scripts/dtrace.js';
import { scripts } from '../src/scripts/index.js';
import { dtraceIofairFormat } from '../src/parsers/dtrace-iofair.js';
import { sniffFormat } from '../src/parsers/registry.js';
import { run } from './dtrace-helpers.js';

interface Printf {
  format: string;
  args: string[];
}

/** Split a printf argument list on top-level commas. */
function splitArgs(s: string): string[] {
  const out: string[] = [];
  let depth = 0, inStr = false, cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (inStr) {
      cur += c;
      if (c === '\\') cur += s[++i];
      else if (c === '"') inStr = false;
      continue;
    }
    if (c === '"') inStr = true;
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (c === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

function printfs(script: string): Printf[] {
  const out: Printf[] = [];
  const re = /printf\(\s*"((?:[^"\\]|\\.)*)"\s*((?:,[^;]*?)?)\);/gs;
  let m: RegExpExecArray | null;
  while ((m = re.exec(script)) !== null) {
    out.push({ format: m[1], args: m[2] ? splitArgs(m[2].replace(/^,/, '')) : [] });
  }
  return out;
}

/** D printf for the conversions the scripts use. */
function dprintf(format: string, values: (string | bigint | number)[]): string {
  let i = 0;
  const s = format.replace(/%([ds])/g, () => String(values[i++]));
  expect(i).toBe(values.length);
  return s.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
}

const WALL = 1718000000123456789n; // beyond 2^53
const SAMPLE = { latency: 523000, device: 'c1t0d0', op: 'W', bytes: 131072, zone: 'web01', zoneId: 5 };

/** The sample value a D expression stands for, by what it reads. */
function valueFor(expr: string, level: string): string | bigint | number {
  if (/walltimestamp/.test(expr)) return WALL;
  if (/timestamp\s*-|arg2\s*\*\s*1000/.test(expr)) return level === 'zio' ? SAMPLE.latency / 1000 * 1000 : SAMPLE.latency;
  if (/dev_statname|vdev_path|iofair_pool/.test(expr)) return SAMPLE.device;
  if (/\?\s*"R"\s*:\s*"W"/.test(expr)) return SAMPLE.op;
  if (/b_bcount|io_size|resid/.test(expr)) return SAMPLE.bytes;
  if (/zonename|iofair_zone\[/.test(expr)) return SAMPLE.zone;
  if (/^arg0$/.test(expr)) return SAMPLE.zoneId;
  throw new Error(`no sample value for D expression: ${expr}`);
}

describe('iofair script dtrace', () => {
  it('is registered with its levels, zio first (the default)', () => {
    expect(scripts).toContain(dtraceScript);
    expect(dtraceScript.levels).toEqual(['zio', 'vfs', 'disk']);
    expect(dtraceScript.render({})).toBe(dtraceScript.render({ level: 'zio' }));
    expect(() => dtraceScript.render({ level: 'nope' })).toThrow(/zio, vfs, disk/);
  });

  for (const level of ['disk', 'zio', 'vfs']) {
    it(`level=${level}: states its zone-attribution limits at the top`, () => {
      const s = dtraceScript.render({ level });
      const top = s.slice(0, s.indexOf('*/'));
      expect(top).toMatch(/ZONE ATTRIBUTION LIMITS/);
      if (level === 'disk') expect(top).toMatch(/GLOBAL zone.*UFS, zvols/s);
      if (level === 'zio') expect(top).toMatch(/zone id.*\n?.*--zones/s);
      if (level === 'vfs') expect(top).toMatch(/cache hits/);
    });

    it(`level=${level}: the parser reads exactly what the script prints`, () => {
      const s = dtraceScript.render({ level });
      const calls = printfs(s);
      const header = calls.find((c) => c.format.startsWith('# iofair-dtrace v1'))!;
      const end = calls.find((c) => c.format.startsWith('# iofair-dtrace end'))!;
      const data = calls.filter((c) => c.args.length === 6);
      expect(header.args).toEqual([]);
      expect(data.length).toBe(1);
      expect(header.format).toContain(`level=${level}`);
      let text = dprintf(header.format, []);
      if (level === 'zio') {
        const map = calls.filter((c) => c.format.startsWith('# iofair-zone'));
        expect(map.length).toBe(2); // the global zone at BEGIN, each other zone at first zio
        text += dprintf(map[0].format, [0, 'global']);
        text += dprintf(map[1].format, [SAMPLE.zoneId, SAMPLE.zone]);
      }
      const values = data[0].args.map((a) => valueFor(a, level));
      text += dprintf(data[0].format, values);
      // a second record from the global zone, to check the zone field is not constant
      text += dprintf(data[0].format, values.map((v, i) => (/zonename|iofair_zone\[/.test(data[0].args[i]) ? 'global' : /^arg0$/.test(data[0].args[i]) ? 0 : v)));
      text += dprintf(end.format, []);

      expect(sniffFormat(text.split('\n'))?.name).toBe('dtrace-iofair');
      const { sink, tb } = run(dtraceIofairFormat, text);
      expect(sink.skips).toEqual([]);
      // the base is the first timestamp parsed, WALL (exact beyond 2^53): done = 0, issue = -latency
      expect(tb.baseNs).toBe(WALL);
      const done = 0;
      const rec = { device: SAMPLE.device, op: SAMPLE.op, bytes: SAMPLE.bytes, issueNs: done - SAMPLE.latency, doneNs: done };
      expect(sink.ios).toEqual([
        { zone: SAMPLE.zone, ...rec },
        { zone: 'global', ...rec },
      ]);
      expect(sink.warnings.some((w) => /did not stop cleanly/.test(w))).toBe(false);
    });
  }
});
