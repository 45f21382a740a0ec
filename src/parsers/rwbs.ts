// RWBS, the operation token Linux block tracing prints (kernel blk_fill_rwbs, blkparse's
// fill_rwbs, libbpf-tools' copy of it): an optional `F` (preflush), the operation, then flags.
//
//   operation: R read · W write · D discard · DE secure erase · F flush · N other (no data:
//              write-zeroes, passthrough; blkparse prints N for any request without data)
//              · ZA zone append · ZR zone reset · ZRA reset all · ZF finish · ZO open · ZC close
//   flags:     F FUA · A readahead · S sync · M metadata · U atomic · B barrier (old kernels)
//
// `F` before the operation is a preflush, after it is FUA; `F` alone (or before only flags) is the
// flush operation. Examples: `WS`, `RM`, `WSM`, `RA`, `FWS`, `WFS`, `FF`, `FS`, `FN`, `DE`.
//
// iofair's core knows reads and writes. Everything else still occupies the device, so it is kept
// as a zero-byte write (device time, no data) and counted by kind in one warning: see OpTally.

import type { Op, RecordSink } from '../records.js';

/** What a request did, for accounting. */
export type RwbsKind = 'read' | 'write' | 'flush' | 'discard' | 'zone' | 'other';

export interface Rwbs {
  kind: RwbsKind;
  preflush: boolean;
  fua: boolean;
  sync: boolean;
  meta: boolean;
  readahead: boolean;
}

const OPS = ['ZRA', 'ZR', 'ZA', 'ZF', 'ZO', 'ZC', 'DE', 'R', 'W', 'D', 'F', 'N'];
const FLAGS = /^[FASMUB]*$/;

function kindOf(op: string): RwbsKind {
  switch (op) {
    case 'R':
      return 'read';
    case 'W':
    case 'ZA': // zone append carries data like a write
      return 'write';
    case 'D':
    case 'DE':
      return 'discard';
    case 'F':
      return 'flush';
    case 'N':
      return 'other';
    default:
      return 'zone';
  }
}

function split(tok: string, preflush: boolean): Rwbs | null {
  for (const op of OPS) {
    if (!tok.startsWith(op)) continue;
    const flags = tok.slice(op.length);
    if (!FLAGS.test(flags)) continue;
    return {
      kind: kindOf(op),
      preflush,
      fua: flags.includes('F'),
      sync: flags.includes('S'),
      meta: flags.includes('M'),
      readahead: flags.includes('A'),
    };
  }
  return null;
}

/** Tokens seen: a trace uses a handful, so each is parsed once (bounded, in case of garbage). */
const seen = new Map<string, Rwbs | null>();

/** The parts of an RWBS token, or null when it is not one. The result is shared: do not modify. */
export function parseRwbs(tok: string): Rwbs | null {
  let r = seen.get(tok);
  if (r === undefined) {
    r = parseToken(tok);
    if (seen.size < 1024) seen.set(tok, r);
  }
  return r;
}

function parseToken(tok: string): Rwbs | null {
  if (tok.length === 0 || tok.length > 10) return null;
  // A leading F is a preflush when an operation follows it, else it is the flush operation.
  if (tok[0] === 'F' && tok.length > 1) {
    const pre = split(tok.slice(1), true);
    if (pre) return pre;
  }
  return split(tok, false);
}

/**
 * How a request counts in iofair's read/write model, given its RWBS and its size: reads and
 * writes as themselves; a request with a preflush and no data, or any operation that is neither a
 * read nor a write, as a zero-byte write (it takes device time but moves no data).
 */
export function accountingKind(r: Rwbs, bytes: number): RwbsKind {
  if ((r.kind === 'write' || r.kind === 'other') && r.preflush && bytes === 0) return 'flush';
  return r.kind;
}

const KIND_WORDS: Record<Exclude<RwbsKind, 'read' | 'write'>, string> = {
  flush: 'flush(es) (RWBS F…: cache flushes)',
  discard: 'discard(s) (RWBS D/DE)',
  zone: 'zone management request(s) (RWBS Z…)',
  other: 'request(s) of another kind (RWBS N: write-zeroes, passthrough)',
};

/**
 * Maps RWBS to the core's op and bytes, counting what is not a plain read or write, and words one
 * warning for them at the end.
 */
export class OpTally {
  private counts = new Map<RwbsKind, number>();
  private discardBytes = 0;

  /** The op and bytes to record for a request; bytes is 0 for everything but reads and writes. */
  account(r: Rwbs, bytes: number): { op: Op; bytes: number } {
    const k = accountingKind(r, bytes);
    if (k === 'read') return { op: 'R', bytes };
    if (k === 'write') return { op: 'W', bytes };
    this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
    if (k === 'discard') this.discardBytes += bytes;
    return { op: 'W', bytes: 0 };
  }

  /** One warning naming every kind counted, if any. */
  finish(sink: RecordSink): void {
    if (!this.counts.size) return;
    const parts: string[] = [];
    for (const k of ['flush', 'discard', 'zone', 'other'] as const) {
      const n = this.counts.get(k);
      if (!n) continue;
      let p = `${n} ${KIND_WORDS[k]}`;
      if (k === 'discard' && this.discardBytes > 0) p += ` covering ${this.discardBytes} bytes`;
      parts.push(p);
    }
    sink.warn(
      `${parts.join(', ')} counted as zero-byte writes: they take device time (kept in the shares) but move no data, so they add to write_ops and not to bytes`,
    );
  }
}
