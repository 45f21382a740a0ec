// blkparse's default text output (blktrace; blkparse_fmt.c `process_default`):
//
//   %3d,%-3d %2d %8d %5d.%09lu %5u %2s %3s <payload>
//   dev      cpu seq  time (s since the trace began) pid action rwbs
//
//   Q D I B M F G S   sector + n [comm]          (n = 0: just [comm]; -t adds (elapsed))
//   C R               sector + n [error]         (n = 0: sector [error])
//   A                 sector + n <- (maj,min) from_sector   (remap; the line's device is the target)
//   X                 sector / new_sector [comm] (split)
//   P U UT T m        plugs, unplugs, messages: not IO
//   passthrough D/C   bytes (cdb) [comm] / (cdb) [error]: not filesystem IO, counted and skipped
//
// An IO is a request from its issue to the driver (D) to its completion (C), paired by device and
// start sector. The issuer comes from the bio's queue event (Q): its PID and [comm] (the PID on
// D and C is whatever task was running). A request holds the bios merged into it (M, F), so the
// Qs of a D are those whose sectors run contiguously from the D's start; a split (X) divides a
// queued bio; a remap (A, device mapper, md) carries the issuer from the upper device's Q to the
// lower device, and the upper device's own Q…C is then not counted again. A Q completed without a
// D (a bio-based device traced alone) is an IO from Q to C, OS queueing included.
//
// Memory holds only outstanding IO: a queued bio not issued, or an issued request not completed,
// within PENDING_NS of trace time is dropped and counted. The summary blkparse prints at the end
// (`CPU0 (8,0):`, `Total (8,0):`, `Throughput …`, `Events …`) is skipped.

import type { RecordSink } from '../records.js';
import type { InputFormat, Parser, ParserOptions } from './types.js';
import { wholeLineParser } from './lines.js';
import { parseRwbs, OpTally, type Rwbs } from './rwbs.js';
import { LinuxTenants } from './linux-tenant.js';
import { QueueTimes } from './linux-common.js';

/** How long a queued bio may wait for its issue, or an issued request for its completion. */
export const PENDING_NS = 30e9;

const EVENT_RE = /^\s*(\d+),(\d+)\s+(\d+)\s+(\d+)\s+(\d+\.\d+)\s+(\d+)\s+([A-Za-z]{1,2})\s+([A-Z]{1,10})(?:\s+(.*?))?\s*$/;
const RANGE_RE = /^(\d+) \+ (\d+)(?: \(\s*\d+\))? \[(.*)\]$/;
const COMM_ONLY_RE = /^(?:\(\s*\d+\) )?\[(.*)\]$/;
const COMPLETE_RE = /^(\d+)(?: \+ (\d+))?(?: \(\s*\d+\))? \[(-?\d+)\]$/;
const REMAP_RE = /^(\d+) \+ (\d+) <- \((\d+),(\d+)\) (\d+)$/;
const SPLIT_RE = /^(\d+) \/ (\d+) \[(.*)\]$/;
const SUMMARY_RE = /^(?:CPU\d+ \(.*\):|Total \(.*\):|Throughput \(R\/W\):|Events \(.*\):|Skips:)/;

interface Queued {
  t: number;
  dev: string;
  sector: number;
  n: number;
  pid: string;
  comm: string;
  /** Remapped to a lower device: its own completion is not an IO. */
  remapped: boolean;
}

interface Issued {
  t: number;
  /** Earliest queue time of its bios, or NaN when no Q was seen. */
  qt: number;
  bytes: number;
  rwbs: Rwbs;
  zone: string;
}

/**
 * Entries keyed within a device, expired in arrival (= time) order. The FIFO keeps consumed
 * entries until they reach its head, and is compacted when they outnumber the live ones, so
 * memory stays proportional to what is outstanding.
 */
class Pending<T extends { t: number }> {
  readonly map = new Map<string, T>();
  private fifo: [string, T][] = [];
  private head = 0;

  set(key: string, v: T): T | undefined {
    const old = this.map.get(key);
    this.map.set(key, v);
    this.fifo.push([key, v]);
    if (this.fifo.length - this.head > 64 && this.fifo.length - this.head > 4 * this.map.size) this.compact();
    return old;
  }

  take(key: string): T | undefined {
    const v = this.map.get(key);
    if (v !== undefined) this.map.delete(key);
    return v;
  }

  /** Drops entries older than `before`; returns how many were still outstanding. */
  expire(before: number, onDrop?: (v: T) => void): number {
    let dropped = 0;
    while (this.head < this.fifo.length && this.fifo[this.head][1].t < before) {
      const [k, v] = this.fifo[this.head++];
      if (this.map.get(k) === v) {
        this.map.delete(k);
        onDrop?.(v);
        dropped++;
      }
    }
    if (this.head > 1024 && this.head * 2 > this.fifo.length) this.compact();
    return dropped;
  }

  private compact(): void {
    const live: [string, T][] = [];
    for (let i = this.head; i < this.fifo.length; i++) {
      const e = this.fifo[i];
      if (this.map.get(e[0]) === e[1]) live.push(e);
    }
    this.fifo = live;
    this.head = 0;
  }
}

function createBlkparseParser(sink: RecordSink, opts: ParserOptions): Parser {
  const tb = opts.timeBase;
  const tally = new OpTally();
  const queueTimes = new QueueTimes();
  const tenants = new LinuxTenants(sink, opts.zoneFrom, { tool: 'blkparse', hasCgroup: false, hasPid: true });
  const queued = new Pending<Queued>();
  const issued = new Pending<Issued>();
  /** Flushes have no sector: per device, in issue order, and their bios' issuers in queue order. */
  const flushes = new Map<string, Issued[]>();
  const flushIssuers = new Map<string, { t: number; pid: string; comm: string }[]>();
  /** Issuers carried by remaps to (lower device, sector), until that device's Q arrives. */
  const remaps = new Pending<{ t: number; pid: string; comm: string; qt: number }>();
  let inSummary = false;
  let now = -Infinity;
  const n = {
    ios: 0,
    qDropped: 0,
    dDropped: 0,
    unmatchedC: 0,
    noQ: 0,
    bioLevel: 0,
    passthrough: 0,
    errors: 0,
  };

  const key = (dev: string, sector: number) => `${dev} ${sector}`;

  function expire(): void {
    const before = now - PENDING_NS;
    n.qDropped += queued.expire(before);
    n.dDropped += issued.expire(before);
    remaps.expire(before);
    for (const list of flushes.values())
      while (list.length && list[0].t < before) {
        list.shift();
        n.dDropped++;
      }
    for (const list of flushIssuers.values()) while (list.length && list[0].t < before) list.shift();
  }

  /** One IO; `sector` is where it starts on the disk (NaN: a flush, no place). */
  function emit(dev: string, d: Issued, doneNs: number, lineNo: number, sector: number): void {
    if (!(doneNs >= d.t)) {
      // an issue time from a corrupt line, later than its completion
      sink.skip(lineNo, 'DONE_BEFORE_ISSUE', 'blkparse C: the completion is before its issue');
      return;
    }
    const acc = tally.account(d.rwbs, d.bytes);
    if (!Number.isNaN(d.qt)) queueTimes.add(d.zone, d.t - d.qt);
    n.ios++;
    sink.io(d.zone, dev, acc.op, acc.bytes, d.t, doneNs, undefined, sector >= 0 ? sector * 512 : undefined);
  }

  function onQueue(dev: string, t: number, pid: string, rest: string, lineNo: number): void {
    const m = RANGE_RE.exec(rest);
    if (!m) {
      const c = COMM_ONLY_RE.exec(rest);
      if (!c) {
        passthroughOrBad(rest, lineNo, 'Q');
        return;
      }
      // a bio without sectors (an empty flush): the issuer of the next flush request
      let list = flushIssuers.get(dev);
      if (!list) flushIssuers.set(dev, (list = []));
      list.push({ t, pid, comm: c[1] });
      return;
    }
    const sector = Number(m[1]);
    const carried = remaps.take(key(dev, sector));
    const q: Queued = {
      t,
      dev,
      sector,
      n: Number(m[2]),
      pid: carried?.pid ?? pid,
      comm: carried?.comm ?? m[3],
      remapped: false,
    };
    if (carried) q.t = Math.min(q.t, carried.qt);
    // a bio queued again at the same sector (the rest of a split) replaces the earlier entry
    queued.set(key(dev, sector), q);
  }

  function onIssue(dev: string, t: number, rwbs: Rwbs, rest: string, lineNo: number): void {
    const m = RANGE_RE.exec(rest);
    if (!m) {
      if (COMM_ONLY_RE.test(rest)) {
        // a request without sectors: a flush, issued for the oldest waiting flush bio
        const who = flushIssuers.get(dev)?.shift();
        if (!who) n.noQ++;
        let list = flushes.get(dev);
        if (!list) flushes.set(dev, (list = []));
        list.push({ t, qt: who?.t ?? NaN, bytes: 0, rwbs, zone: who ? tenants.zoneOf(who.comm, who.pid) : tenants.unknownZone() });
        return;
      }
      passthroughOrBad(rest, lineNo, 'D');
      return;
    }
    const start = Number(m[1]);
    const len = Number(m[2]);
    const k = key(dev, start);
    const again = issued.map.get(k);
    if (again) {
      // issued again after a requeue (R): the device time restarts, the issuer stays
      issued.set(k, { ...again, t, bytes: len * 512, rwbs });
      return;
    }
    // the bios merged into this request: contiguous Qs from its start
    let first: Queued | undefined;
    let qt = NaN;
    for (let pos = start, guard = 0; pos < start + len && guard < 4096; guard++) {
      const q = queued.take(key(dev, pos));
      if (!q || q.n <= 0) break;
      first ??= q;
      qt = Number.isNaN(qt) ? q.t : Math.min(qt, q.t);
      pos += q.n;
    }
    let zone: string;
    if (first) zone = tenants.zoneOf(first.comm, first.pid);
    else {
      n.noQ++;
      zone = tenants.unknownZone();
    }
    issued.set(k, { t, qt, bytes: len * 512, rwbs, zone });
  }

  function onComplete(dev: string, t: number, rwbs: Rwbs, rest: string, lineNo: number): void {
    const m = COMPLETE_RE.exec(rest);
    if (!m) {
      passthroughOrBad(rest, lineNo, 'C');
      return;
    }
    const sector = Number(m[1]);
    const len = m[2] === undefined ? 0 : Number(m[2]);
    if (Number(m[3]) !== 0) n.errors++;
    if (len === 0) {
      const f = flushes.get(dev)?.shift();
      if (f) {
        emit(dev, f, t, lineNo, NaN);
        return;
      }
    }
    const d = issued.take(key(dev, sector));
    if (d) {
      emit(dev, d, t, lineNo, sector);
      return;
    }
    // no D: a bio completing on a bio-based device (or a remapped bio's upper half)
    const q = queued.take(key(dev, sector));
    if (q) {
      if (q.remapped) return;
      n.bioLevel++;
      emit(dev, { t: q.t, qt: NaN, bytes: q.n * 512, rwbs, zone: tenants.zoneOf(q.comm, q.pid) }, t, lineNo, sector);
      return;
    }
    n.unmatchedC++;
  }

  function onRemap(dev: string, t: number, rest: string, lineNo: number): void {
    const m = REMAP_RE.exec(rest);
    if (!m) {
      sink.skip(lineNo, 'BAD_ROW', `blkparse A (remap): expected "sector + n <- (maj,min) from_sector", found "${rest.slice(0, 60)}"`);
      return;
    }
    const fromDev = `${Number(m[3])}:${Number(m[4])}`;
    const upper = queued.map.get(key(fromDev, Number(m[5])));
    if (!upper) return; // the upper device is not traced (a partition, or not given to blktrace)
    upper.remapped = true;
    remaps.set(key(dev, Number(m[1])), { t, pid: upper.pid, comm: upper.comm, qt: upper.t });
  }

  function onSplit(dev: string, rest: string, lineNo: number): void {
    const m = SPLIT_RE.exec(rest);
    if (!m) {
      sink.skip(lineNo, 'BAD_ROW', `blkparse X (split): expected "sector / new_sector [comm]", found "${rest.slice(0, 60)}"`);
      return;
    }
    const sector = Number(m[1]);
    const at = Number(m[2]);
    const q = queued.map.get(key(dev, sector));
    if (!q || at <= sector || at >= sector + q.n) return;
    const tail: Queued = { ...q, sector: at, n: sector + q.n - at };
    q.n = at - sector;
    queued.set(key(dev, at), tail);
  }

  function passthroughOrBad(rest: string, lineNo: number, act: string): void {
    if (/\(.*\)/.test(rest)) {
      n.passthrough++;
      return;
    }
    sink.skip(lineNo, 'BAD_ROW', `blkparse ${act}: expected "sector + n [${act === 'C' ? 'error' : 'comm'}]", found "${rest.slice(0, 60)}"`);
  }

  function onEvent(m: RegExpExecArray, lineNo: number): void {
    const [, maj, min, , , time, pid, act, rwbsTok, restRaw] = m;
    const rest = restRaw ?? '';
    const dev = `${Number(maj)}:${Number(min)}`;
    const t = tb.toNs(time, 1e9);
    if (t > now) {
      now = t;
      expire();
    }
    if (act === 'm') return; // a message
    const rwbs = parseRwbs(rwbsTok);
    if (!rwbs) {
      sink.skip(lineNo, 'BAD_OP', `blkparse RWBS: expected an RWBS token (R, W, WS, FWS, N…), found "${rwbsTok}"`);
      return;
    }
    switch (act) {
      case 'Q':
        onQueue(dev, t, pid, rest, lineNo);
        break;
      case 'D':
        onIssue(dev, t, rwbs, rest, lineNo);
        break;
      case 'C':
        onComplete(dev, t, rwbs, rest, lineNo);
        break;
      case 'A':
        onRemap(dev, t, rest, lineNo);
        break;
      case 'X':
        onSplit(dev, rest, lineNo);
        break;
      default:
      // G I S M F B R P U UT T: the merges need nothing (the D's walk finds the merged Qs)
    }
  }

  return wholeLineParser(
    sink,
    (text, lineNo) => {
      const t = text.trim();
      if (t === '') return;
      const m = EVENT_RE.exec(text);
      if (m) {
        inSummary = false;
        onEvent(m, lineNo);
        return;
      }
      if (SUMMARY_RE.test(t)) {
        inSummary = true;
        return;
      }
      if (inSummary || /^Input file .* added$/.test(t) || t === '^C') return;
      sink.skip(lineNo, 'BAD_ROW', `blkparse: expected "maj,min cpu seq time pid action rwbs …", found "${t.slice(0, 60)}"`);
    },
    () => {
      const inFlight = queued.map.size + issued.map.size + [...flushes.values()].reduce((s, l) => s + l.length, 0);
      const notes: string[] = [];
      if (n.unmatchedC) notes.push(`${n.unmatchedC} completion(s) without their issue (in flight when tracing began)`);
      if (n.qDropped + n.dDropped)
        notes.push(
          `${n.qDropped + n.dDropped} queued or issued IO(s) dropped without a completion within ${PENDING_NS / 1e9} s (lost events, or a queued bio never issued)`,
        );
      if (inFlight) notes.push(`${inFlight} IO(s) still queued or in flight when the trace ended`);
      if (n.noQ) notes.push(`${n.noQ} request(s) issued without their queue event (Q), so without an issuer: zone 'unknown'`);
      if (n.bioLevel) notes.push(`${n.bioLevel} IO(s) completed without an issue event (a bio-based device such as dm or md): timed from the queue event, OS queueing included`);
      if (n.passthrough) notes.push(`${n.passthrough} passthrough (SCSI/NVMe command) event(s) ignored`);
      if (n.errors) notes.push(`${n.errors} completion(s) with an error, counted as IO`);
      if (notes.length) sink.warn(`blkparse: ${notes.join('; ')}`);
      queueTimes.finish(sink, 'blkparse', 'Q→D', '1 ns');
      tally.finish(sink);
      tenants.finish();
    },
  );
}

export const blkparseFormat: InputFormat = {
  name: 'blkparse',
  fidelity: 'events',
  platform: 'linux',
  description: "blkparse's default text (blktrace): Q/D/C events paired per IO, issuer from the queue event",
  sniff(head: string[]): number {
    let events = 0;
    let other = 0;
    for (const l of head) {
      if (l.trim() === '') continue;
      if (EVENT_RE.test(l)) events++;
      else other++;
      if (events + other >= 10) break;
    }
    return events >= 2 && events > other ? 0.9 : events === 1 && other === 0 ? 0.6 : 0;
  },
  create: createBlkparseParser,
};
