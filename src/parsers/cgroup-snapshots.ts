// Snapshots of Linux's cumulative IO counters, differenced into intervals: cgroup v2 io.stat,
// cgroup v1 blkio throttle files, io.pressure and /proc/pressure/io (PSI), /proc/diskstats.
// Shared by the `iofair script cgroup` parser and the parser of pasted `cat`/`grep -r` output.
//
// - io.stat (v2): `MAJ:MIN rbytes= wbytes= rios= wios= dbytes= dios=` plus iocost's
//   `cost.usage=` (µs of device time charged under its cost model; `cost.vrate=` on the root) and
//   in debug mode `cost.wait= cost.indebt= cost.indelay=` (µs) and io.latency's `avg_lat=` (µs).
//   Counters count since the cgroup was created and are hierarchical (a parent includes its
//   children; the root is the whole disk): each cgroup is charged its own delta minus its direct
//   children's. Discard counters are not counted.
// - blkio (v1): `MAJ:MIN Read|Write|Sync|Async|Discard|Total N` lines of io_serviced (bios) and
//   io_service_bytes; the plain files count the cgroup's own IO, `_recursive` ones include its
//   descendants (then children are subtracted). Throttle files are preferred to CFQ/BFQ ones.
// - PSI: `some|full avg10= avg60= avg300= total=` (total: µs stalled since the cgroup was created,
//   or since boot). Stall time is not additive (a parent's covers its children's): no subtraction.
// - /proc/diskstats: `MAJ MIN name` + 11, 15 or 17 counters (reads, merged, sectors, ms, the same
//   for writes, in flight, io_ticks ms, weighted ms, then discards and flushes). Partitions are
//   left out when their whole disk is listed (their IO is the disk's); devices that never did IO
//   are left out. A counter that goes backwards wrapped at 2^32 (32-bit kernels) when it fits,
//   else the device restarted: that interval of that device is left out.
//
// A counter set missing from the next snapshot keeps its last values (so it does not count from 0
// if it shows up again); one that goes backwards was recreated and restarts from its new value.
// One snapshot alone is read as totals over an unknown window (cumulative samples).

import type { IntervalSample, RecordSink } from '../records.js';
import type { ParserOptions } from './types.js';
import { NS_PER_S, fmtSeconds, show } from './interval-common.js';

type Kind = 'v2' | 'v1' | 'psi' | 'disk';

interface Entry {
  kind: Kind;
  /** Cgroup path ('/' for the root), or the device name for diskstats. */
  path: string;
  /** MAJ:MIN ('' for PSI). */
  dev: string;
  /** v1: which file family (throttle or not, recursive or not). */
  variant?: string;
  values: Map<string, number>;
}

/** Counters of io.stat and v1 blkio that are differenced and (when hierarchical) subtracted. */
const IO_COUNTERS = ['rbytes', 'wbytes', 'rios', 'wios', 'cost.usage', 'cost.wait', 'cost.indebt', 'cost.indelay'];
const PSI_COUNTERS = ['some', 'full'];
const DISK_FIELDS = ['reads', 'rmerged', 'rsect', 'rms', 'writes', 'wmerged', 'wsect', 'wms', 'inflight', 'ticks', 'wticks'];
const DISK_COUNTERS = DISK_FIELDS.filter((f) => f !== 'inflight');
const TWO32 = 4294967296;

/** Name of the system-wide PSI file's zone. */
export const SYSTEM_PSI = '(system)';

/** v1 file variants, best first. */
const V1_ORDER = ['throttle', 'throttle-recursive', 'cfq', 'cfq-recursive'];

export function parentOf(path: string): string | undefined {
  if (path === '/' || path === '') return undefined;
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/** `8:16 rbytes=1 … cost.vrate=99.50` → values, or a reason string. */
export function parseIoStatLine(text: string): { dev: string; values: Map<string, number> } | string {
  const toks = text.trim().split(/\s+/);
  const dev = toks[0];
  if (!dev || !/^\d+:\d+$/.test(dev)) return `io.stat: expected MAJ:MIN first, found ${show(text)}`;
  const values = new Map<string, number>();
  for (let i = 1; i < toks.length; i++) {
    const eq = toks[i].indexOf('=');
    if (eq <= 0) return `io.stat: expected key=value, found ${show(toks[i])}`;
    const k = toks[i].slice(0, eq);
    const vs = toks[i].slice(eq + 1);
    if (!/^\d+(?:\.\d+)?$/.test(vs)) return `io.stat: ${k} is not a number: ${show(vs)}`;
    values.set(k, Number(vs));
  }
  return { dev, values };
}

/** `some avg10=0.12 avg60=0.05 avg300=0.01 total=123456` → kind and values, or a reason. */
export function parsePsiLine(text: string): { which: 'some' | 'full'; values: Map<string, number> } | string {
  const toks = text.trim().split(/\s+/);
  if (toks[0] !== 'some' && toks[0] !== 'full') return `pressure: expected "some" or "full" first, found ${show(text)}`;
  const values = new Map<string, number>();
  for (const t of toks.slice(1)) {
    const m = /^(avg10|avg60|avg300|total)=(\d+(?:\.\d+)?)$/.exec(t);
    if (!m) return `pressure: expected avg10= avg60= avg300= total=, found ${show(t)}`;
    values.set(m[1], Number(m[2]));
  }
  if (!values.has('total')) return `pressure: no total= in ${show(text)}`;
  return { which: toks[0], values };
}

/** `8:0 Read 123` → dev, op and value; `Total 123` (the file's last line) → null; else a reason. */
export function parseBlkioLine(text: string): { dev: string; op: string; value: number } | null | string {
  const toks = text.trim().split(/\s+/);
  if (toks.length === 2 && toks[0] === 'Total' && /^\d+$/.test(toks[1])) return null;
  if (toks.length !== 3 || !/^\d+:\d+$/.test(toks[0]) || !/^(?:Read|Write|Sync|Async|Discard|Total)$/.test(toks[1]))
    return `blkio: expected "MAJ:MIN Read|Write|Sync|Async|Discard|Total N", found ${show(text)}`;
  if (!/^\d+$/.test(toks[2])) return `blkio: ${toks[1]} is not a counter: ${show(toks[2])}`;
  return { dev: toks[0], op: toks[1], value: Number(toks[2]) };
}

/** A /proc/diskstats line → dev, name and counters, or a reason. */
export function parseDiskstatsLine(text: string): { dev: string; name: string; values: Map<string, number> } | string {
  const toks = text.trim().split(/\s+/);
  if (toks.length !== 14 && toks.length !== 18 && toks.length !== 20)
    return `diskstats: expected MAJ MIN name and 11, 15 or 17 counters, found ${toks.length} fields`;
  if (!/^\d+$/.test(toks[0]) || !/^\d+$/.test(toks[1])) return `diskstats: expected MAJ MIN first, found ${show(text)}`;
  const values = new Map<string, number>();
  for (let i = 0; i < DISK_FIELDS.length; i++) {
    const v = toks[3 + i];
    if (!/^\d+$/.test(v)) return `diskstats: ${DISK_FIELDS[i]} is not a counter: ${show(v)}`;
    values.set(DISK_FIELDS[i], Number(v));
  }
  return { dev: `${toks[0]}:${toks[1]}`, name: toks[2], values };
}

/** v1 blkio file name → variant and what it counts, or undefined when it is not one we read. */
export function blkioFile(file: string): { variant: string; bytes: boolean } | undefined {
  const m = /^blkio\.(throttle\.)?(?:bfq\.)?io_(serviced|service_bytes)(_recursive)?$/.exec(file);
  if (!m) return undefined;
  return { variant: `${m[1] ? 'throttle' : 'cfq'}${m[3] ? '-recursive' : ''}`, bytes: m[2] === 'service_bytes' };
}

export class CgroupSnapshots {
  private cur: Map<string, Entry> | null = null;
  private curTs: number | undefined;
  private prev: Map<string, Entry> | null = null;
  private prevTs: number | undefined;
  private prevEnd = 0;
  private index = 0;
  private intervalFrom: string | undefined;
  // notes
  private resets = 0;
  private diskResets = 0;
  private badDur = 0;
  private assumed = false;
  private kinds = new Set<string>();
  private waits = new Map<string, [number, number, number]>();
  private vrate = new Map<string, [number, number]>();
  private psiAverages: string[] = [];
  private avgLat = false;
  private costUsage = false;
  private partitionsLeftOut = new Set<string>();

  constructor(
    private readonly sink: RecordSink,
    private readonly opts: ParserOptions,
    private readonly tool: string,
    /** The interval when snapshots carry no time: --interval, else this, else 1 s (assumed). */
    private defaultIntervalNs?: number,
  ) {}

  /** The interval the collector printed (script header) or a pasted command line gave. */
  setInterval(ns: number, from: string): void {
    if (ns > 0 && !this.opts.intervalNs) {
      this.defaultIntervalNs = ns;
      this.intervalFrom = from;
    }
  }

  private get intervalNs(): number {
    return this.opts.intervalNs ?? this.defaultIntervalNs ?? NS_PER_S;
  }

  /** Starts a snapshot taken at `tsNs` (relative ns), or at an unknown time. */
  begin(tsNs: number | undefined): void {
    this.finish();
    this.cur = new Map();
    this.curTs = tsNs;
  }

  private entry(kind: Kind, path: string, dev: string, variant = ''): Entry {
    if (!this.cur) this.begin(undefined);
    const key = `${kind}\0${path}\0${dev}\0${variant}`;
    let e = this.cur!.get(key);
    if (!e) {
      e = { kind, path, dev, variant: variant || undefined, values: new Map() };
      this.cur!.set(key, e);
    }
    return e;
  }

  ioStat(path: string, dev: string, values: Map<string, number>): void {
    const e = this.entry('v2', path, dev);
    for (const [k, v] of values) e.values.set(k, v);
  }

  blkio(path: string, file: { variant: string; bytes: boolean }, dev: string, op: string, value: number): void {
    const key = op === 'Read' ? (file.bytes ? 'rbytes' : 'rios') : op === 'Write' ? (file.bytes ? 'wbytes' : 'wios') : undefined;
    if (!key) return;
    this.entry('v1', path, dev, file.variant).values.set(key, value);
  }

  pressure(path: string, which: 'some' | 'full', values: Map<string, number>): void {
    const e = this.entry('psi', path, '');
    e.values.set(which, values.get('total') ?? NaN);
    for (const a of ['avg10', 'avg60', 'avg300']) {
      const v = values.get(a);
      if (v !== undefined) e.values.set(`${which}.${a}`, v);
    }
  }

  diskstats(dev: string, name: string, values: Map<string, number>): void {
    const e = this.entry('disk', name, dev);
    for (const [k, v] of values) e.values.set(k, v);
  }

  /** Ends the input: emits the last interval, or the one snapshot as totals. */
  end(): void {
    this.finish();
    if (this.index === 1 && this.prev) {
      // one snapshot: totals over an unknown window
      const dur = this.intervalNs;
      const start = (this.prevTs ?? dur) - dur;
      this.emit(new Map(), this.prev, start, dur, true);
      this.psiAverageNotes(this.prev);
    }
    this.notes();
  }

  private finish(): void {
    if (!this.cur) return;
    const cur = this.cur;
    const ts = this.curTs;
    this.cur = null;
    this.curTs = undefined;
    if (cur.size === 0) return;
    const k = this.index++;
    if (k > 0 && this.prev) {
      let start: number;
      let dur: number;
      if (ts !== undefined && this.prevTs !== undefined) {
        start = this.prevTs;
        dur = ts - this.prevTs;
        if (!(dur > 0)) {
          this.badDur++;
          dur = this.intervalNs;
          start = ts - dur;
        }
      } else {
        if (ts === undefined && !this.opts.intervalNs) this.assumed = true;
        dur = this.intervalNs;
        start = ts !== undefined ? ts - dur : this.prevEnd;
      }
      this.emit(this.prev, cur, start, dur, false);
      this.prevEnd = start + dur;
      for (const [key, v] of this.prev) if (!cur.has(key)) cur.set(key, v);
    } else {
      this.prevEnd = ts ?? 0;
    }
    this.prev = cur;
    this.prevTs = ts;
  }

  private emit(p: Map<string, Entry>, c: Map<string, Entry>, startNs: number, durationNs: number, cumulative: boolean): void {
    const v1Variant = V1_ORDER.find((v) => [...c.values()].some((e) => e.kind === 'v1' && e.variant === v));
    const deltas = new Map<string, Entry>();
    for (const [key, now] of c) {
      if (now.kind === 'v1' && now.variant !== v1Variant) continue;
      // a device that never did IO since boot (unused loop and ram devices)
      if (now.kind === 'disk' && DISK_COUNTERS.every((n) => !((now.values.get(n) ?? 0) > 0))) continue;
      this.kinds.add(now.kind === 'v1' ? `v1:${now.variant}` : now.kind);
      const was = p.get(key);
      const d: Entry = { ...now, values: new Map() };
      const counters = now.kind === 'disk' ? DISK_COUNTERS : now.kind === 'psi' ? PSI_COUNTERS : IO_COUNTERS;
      let reset = false;
      let wrappedOut = false;
      for (const name of counters) {
        const v = now.values.get(name);
        if (v === undefined || Number.isNaN(v)) continue;
        const w = was?.values.get(name);
        let dv = w === undefined ? v : v - w;
        if (dv < 0) {
          if (now.kind === 'disk') {
            if (w! < TWO32 && v < TWO32) dv += TWO32;
            else wrappedOut = true;
          } else reset = true;
        }
        d.values.set(name, dv);
      }
      if (wrappedOut) {
        this.diskResets++;
        continue;
      }
      if (reset) {
        this.resets++;
        for (const name of counters) {
          const v = now.values.get(name);
          if (v !== undefined) d.values.set(name, v);
        }
      }
      // gauges: as they are at the end of the interval
      for (const [name, v] of now.values) if (!counters.includes(name)) d.values.set(name, v);
      deltas.set(key, d);
    }
    this.subtractChildren(deltas);

    const withIo = new Set<string>();
    for (const d of deltas.values()) {
      if (d.kind !== 'v1' && d.kind !== 'v2') continue;
      const s = this.ioSample(d, startNs, durationNs, cumulative);
      if (!s) continue;
      withIo.add(d.path);
      this.sink.interval(s);
    }
    for (const d of deltas.values()) {
      if (d.kind !== 'psi') continue;
      const some = d.values.get('some');
      const full = d.values.get('full');
      if (!withIo.has(d.path) && !(some! > 0) && !(full! > 0)) continue;
      const s: IntervalSample = {
        kind: 'zone', name: d.path, startNs, durationNs, readOps: 0, writeOps: 0, readBytes: 0, writeBytes: 0,
      };
      if (some !== undefined) s.pressureStallNs = Math.max(0, some) * 1000;
      if (full !== undefined) s.pressureFullNs = Math.max(0, full) * 1000;
      if (cumulative) s.cumulative = true;
      this.sink.interval(s);
    }
    const disks = [...deltas.values()].filter((d) => d.kind === 'disk');
    const names = new Set(disks.map((d) => d.path));
    for (const d of disks) {
      if (wholeDiskOf(d.path, names)) {
        this.partitionsLeftOut.add(d.path);
        continue;
      }
      this.sink.interval(diskSample(d, startNs, durationNs, cumulative));
    }
  }

  /** io.stat and recursive v1 counters include descendants: charge each cgroup its own part. */
  private subtractChildren(deltas: Map<string, Entry>): void {
    const byKey = new Map<string, Entry>();
    for (const d of deltas.values()) {
      const hierarchical = d.kind === 'v2' || (d.kind === 'v1' && d.variant!.endsWith('recursive'));
      if (hierarchical) byKey.set(`${d.kind}\0${d.path}\0${d.dev}`, d);
    }
    const own = new Map<Entry, Map<string, number>>();
    for (const d of byKey.values()) own.set(d, new Map(d.values));
    for (const d of byKey.values()) {
      const parent = parentOf(d.path);
      if (parent === undefined) continue;
      const pd = byKey.get(`${d.kind}\0${parent}\0${d.dev}`);
      if (!pd) continue;
      const po = own.get(pd)!;
      for (const name of IO_COUNTERS) {
        const v = d.values.get(name);
        const pv = po.get(name);
        if (v !== undefined && pv !== undefined) po.set(name, pv - v);
      }
    }
    for (const [d, values] of own) d.values = values;
  }

  private ioSample(d: Entry, startNs: number, durationNs: number, cumulative: boolean): IntervalSample | undefined {
    const v = d.values;
    const get = (k: string) => Math.max(0, v.get(k) ?? 0);
    const s: IntervalSample = {
      kind: 'zone',
      name: d.path,
      device: d.dev,
      startNs,
      durationNs,
      readOps: get('rios'),
      writeOps: get('wios'),
      readBytes: get('rbytes'),
      writeBytes: get('wbytes'),
    };
    const usage = v.get('cost.usage');
    if (usage !== undefined) {
      s.deviceTimeNs = Math.max(0, usage) * 1000;
      this.costUsage = true;
    }
    const lat = v.get('avg_lat');
    if (lat !== undefined && lat > 0 && s.readOps + s.writeOps > 0) {
      s.avgLatencyNs = lat * 1000;
      this.avgLat = true;
    }
    if (cumulative) s.cumulative = true;
    const waits = ['cost.wait', 'cost.indebt', 'cost.indelay'].map((k) => get(k));
    if (waits.some((x) => x > 0)) {
      const w = this.waits.get(d.path) ?? [0, 0, 0];
      this.waits.set(d.path, [w[0] + waits[0], w[1] + waits[1], w[2] + waits[2]]);
    }
    const vr = v.get('cost.vrate');
    if (vr !== undefined) {
      const r = this.vrate.get(d.dev) ?? [Infinity, -Infinity];
      this.vrate.set(d.dev, [Math.min(r[0], vr), Math.max(r[1], vr)]);
    }
    if (s.readOps + s.writeOps + s.readBytes + s.writeBytes === 0 && !(s.deviceTimeNs! > 0)) return undefined;
    return s;
  }

  private psiAverageNotes(snapshot: Map<string, Entry>): void {
    for (const e of snapshot.values()) {
      if (e.kind !== 'psi') continue;
      const part = (w: string) =>
        e.values.has(`${w}.avg10`) ? `${w} ${e.values.get(`${w}.avg10`)} % / ${e.values.get(`${w}.avg60`)} % / ${e.values.get(`${w}.avg300`)} %` : '';
      const text = [part('some'), part('full')].filter((x) => x).join(', ');
      if (text) this.psiAverages.push(`${e.path}: ${text}`);
    }
  }

  private notes(): void {
    const w = (m: string) => this.sink.warn(`${this.tool}: ${m}`);
    if ([...this.kinds].some((k) => k.startsWith('v1:'))) {
      const v = [...this.kinds].find((k) => k.startsWith('v1:'))!.slice(3);
      w(
        `cgroup v1 blkio (${v.replace('throttle', 'throttle files').replace('cfq', 'CFQ/BFQ files').replace('-recursive', ', recursive')}): ` +
          'buffered writes are written back by kernel threads and v1 does not charge them to the cgroup that dirtied the pages, ' +
          'so they show up in the root cgroup or nowhere: only direct and synchronous IO is attributed',
      );
    }
    if (this.costUsage) {
      w("iocost's cost.usage is the device time each cgroup was charged under the cost model (io.cost.model): device shares are shares of it, in iocost's own units, not measured device time");
    }
    if (this.avgLat) w("io.latency's avg_lat (a moving average, debug mode) is used as the cgroups' mean latency where no cost.usage is given");
    for (const [dev, [lo, hi]] of this.vrate) {
      w(`iocost vrate on ${dev}: ${lo === hi ? `${lo} %` : `${lo} % to ${hi} %`} of the cost model's rate (below 100 %: the device was slower than the model)`);
    }
    const waits = [...this.waits.entries()].sort((a, b) => b[1][0] + b[1][2] - (a[1][0] + a[1][2]));
    for (const [path, [wait, debt, delay]] of waits.slice(0, 10)) {
      w(`iocost throttled ${path}: IOs waited ${(wait / 1e6).toFixed(3)} s for budget (cost.wait), in debt ${(debt / 1e6).toFixed(3)} s, issuers delayed ${(delay / 1e6).toFixed(3)} s`);
    }
    if (this.psiAverages.length) {
      w(`IO pressure at the snapshot (some / full, over the last 10 s / 60 s / 300 s): ${this.psiAverages.slice(0, 10).join('; ')}`);
    }
    if (this.kinds.has('psi')) w('IO pressure counts the time tasks waited for IO, whoever issued it: a cgroup stalls behind its neighbours\' IO too');
    if (this.resets) w(`${this.resets} counter set(s) went backwards (cgroup recreated): those intervals restart from the new values`);
    if (this.diskResets) w(`${this.diskResets} device interval(s) left out: /proc/diskstats counters went backwards (device re-added)`);
    if (this.partitionsLeftOut.size) {
      w(`partitions ${[...this.partitionsLeftOut].slice(0, 5).join(', ')}${this.partitionsLeftOut.size > 5 ? ', …' : ''} left out: their whole disks are listed and include their IO`);
    }
    if (this.badDur) w(`${this.badDur} snapshot(s) did not advance the clock; taken as ${fmtSeconds(this.intervalNs)}`);
    if (this.assumed) {
      const why = this.intervalFrom ? `from ${this.intervalFrom}; --interval overrides` : 'assumed; pass --interval with the time between snapshots';
      w(`the snapshots carry no time: taken to be ${fmtSeconds(this.intervalNs)} apart (${why})`);
    }
  }
}

/** The whole disk a partition belongs to when it is listed (`sda1` → `sda`, `nvme0n1p2` → `nvme0n1`). */
function wholeDiskOf(name: string, names: Set<string>): string | undefined {
  const m = /^(.*\d)p\d+$/.exec(name) ?? /^(.*\D)\d+$/.exec(name);
  if (!m || !names.has(m[1])) return undefined;
  // a disk whose name ends in a digit has partitions named <disk>p<n> (nvme0n1p1, mmcblk0p1, md0p1)
  if (/\d$/.test(m[1]) !== name.startsWith(m[1] + 'p')) return undefined;
  return m[1];
}

function diskSample(d: Entry, startNs: number, durationNs: number, cumulative: boolean): IntervalSample {
  const v = d.values;
  const g = (k: string) => v.get(k) ?? 0;
  const readOps = g('reads');
  const writeOps = g('writes');
  const ticksNs = g('ticks') * 1e6;
  const s: IntervalSample = {
    kind: 'device',
    name: d.path,
    device: d.dev,
    startNs,
    durationNs,
    readOps,
    writeOps,
    readBytes: g('rsect') * 512,
    writeBytes: g('wsect') * 512,
    deviceTimeNs: ticksNs,
  };
  if (readOps > 0) s.readLatencyNs = (g('rms') * 1e6) / readOps;
  if (writeOps > 0) s.writeLatencyNs = (g('wms') * 1e6) / writeOps;
  if (readOps + writeOps > 0) s.avgLatencyNs = ((g('rms') + g('wms')) * 1e6) / (readOps + writeOps);
  if (cumulative) s.cumulative = true;
  else {
    s.utilization = Math.min(1, ticksNs / durationNs);
    s.queueDepth = (g('wticks') * 1e6) / durationNs;
  }
  return s;
}
