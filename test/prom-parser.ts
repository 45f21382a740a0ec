// A strict reader of the Prometheus text exposition format 0.0.4, for the tests: it fails on
// anything node_exporter's textfile collector would refuse (or that would mislead PromQL) and
// returns the families with their samples. Written from the format's documentation
// (prometheus/docs, exposition_formats.md), independently of src/report/prom.ts.

export interface Sample {
  name: string;
  labels: Map<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: string;
  help: string;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function parseValue(s: string): number {
  if (s === '+Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  if (s === 'NaN') return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) throw new Error(`bad value '${s}'`);
  return Number(s);
}

/** Labels `{a="x",b="y"}` from position i of line; returns the map and the position after '}'. */
function parseLabels(line: string, i: number): [Map<string, string>, number] {
  const labels = new Map<string, string>();
  i++; // {
  while (line[i] !== '}') {
    const eq = line.indexOf('=', i);
    const key = line.slice(i, eq);
    if (!LABEL.test(key)) throw new Error(`bad label name '${key}' in: ${line}`);
    if (line[eq + 1] !== '"') throw new Error(`label value not quoted in: ${line}`);
    let j = eq + 2;
    let v = '';
    for (;;) {
      const c = line[j];
      if (c === undefined) throw new Error(`unterminated label value in: ${line}`);
      if (c === '"') break;
      if (c === '\\') {
        const n = line[j + 1];
        if (n === '\\') v += '\\';
        else if (n === '"') v += '"';
        else if (n === 'n') v += '\n';
        else throw new Error(`bad escape \\${n} in: ${line}`);
        j += 2;
        continue;
      }
      v += c;
      j++;
    }
    if (labels.has(key)) throw new Error(`label ${key} twice in: ${line}`);
    labels.set(key, v);
    i = j + 1;
    if (line[i] === ',') i++;
    else if (line[i] !== '}') throw new Error(`expected , or } in: ${line}`);
  }
  return [labels, i + 1];
}

export function parseExposition(text: string): Map<string, Family> {
  if (!text.endsWith('\n')) throw new Error('the last line must end in a newline');
  const families = new Map<string, Family>();
  const closed = new Set<string>();
  const series = new Set<string>();
  let current: Family | null = null;
  const familyOf = (sampleName: string): string => {
    for (const suffix of ['_bucket', '_sum', '_count']) {
      const base = sampleName.slice(0, -suffix.length);
      if (sampleName.endsWith(suffix) && families.get(base)?.type === 'histogram') return base;
    }
    return sampleName;
  };
  const enter = (name: string): Family => {
    if (current?.name === name) return current;
    if (closed.has(name)) throw new Error(`family ${name} is not contiguous`);
    if (current) closed.add(current.name);
    let f = families.get(name);
    if (!f) families.set(name, (f = { name, type: 'untyped', help: '', samples: [] }));
    current = f;
    return f;
  };
  for (const line of text.slice(0, -1).split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta;
      if (!NAME.test(name)) throw new Error(`bad metric name ${name}`);
      const f = enter(name);
      if (f.samples.length) throw new Error(`${kind} of ${name} after its samples`);
      if (kind === 'TYPE') {
        if (f.type !== 'untyped') throw new Error(`two TYPE lines for ${name}`);
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest)) throw new Error(`bad type ${rest}`);
        f.type = rest;
      } else {
        if (f.help) throw new Error(`two HELP lines for ${name}`);
        if (/\\[^\\n]/.test(rest.replace(/\\\\/g, ''))) throw new Error(`bad escape in HELP of ${name}`);
        f.help = rest;
      }
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line);
    if (!m) throw new Error(`bad sample line: ${line}`);
    let labels = new Map<string, string>();
    let i = m[1].length;
    if (line[i] === '{') [labels, i] = parseLabels(line, i);
    const rest = line.slice(i).trim().split(/\s+/);
    if (rest.length !== 1) throw new Error(`a timestamp or junk after the value: ${line}`);
    const f = enter(familyOf(m[1]));
    const key = m[1] + JSON.stringify([...labels].sort());
    if (series.has(key)) throw new Error(`series twice: ${line}`);
    series.add(key);
    f.samples.push({ name: m[1], labels, value: parseValue(rest[0]) });
  }
  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f);
  return families;
}

/** Per label set (without le): increasing le, non-decreasing counts, +Inf = _count, a _sum. */
function checkHistogram(f: Family): void {
  const groups = new Map<string, Sample[]>();
  for (const s of f.samples) {
    const key = JSON.stringify([...s.labels].filter(([k]) => k !== 'le').sort());
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  for (const [key, ss] of groups) {
    const buckets = ss.filter((s) => s.name === `${f.name}_bucket`);
    const count = ss.find((s) => s.name === `${f.name}_count`);
    const sum = ss.find((s) => s.name === `${f.name}_sum`);
    if (!count || !sum) throw new Error(`${f.name}${key}: no _count or _sum`);
    let le = -Infinity;
    let prev = 0;
    for (const b of buckets) {
      const x = parseValue(b.labels.get('le') ?? 'x');
      if (!(x > le)) throw new Error(`${f.name}${key}: le not increasing`);
      if (b.value < prev) throw new Error(`${f.name}${key}: buckets not cumulative`);
      le = x;
      prev = b.value;
    }
    if (le !== Infinity) throw new Error(`${f.name}${key}: no +Inf bucket`);
    if (prev !== count.value) throw new Error(`${f.name}${key}: +Inf bucket ${prev} ≠ _count ${count.value}`);
  }
}
