import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { parseRwbs, accountingKind, OpTally } from '../src/parsers/rwbs.js';
import { RecordingSink } from './dtrace-helpers.js';

describe('RWBS tokens', () => {
  const table: [string, string, Partial<Record<'preflush' | 'fua' | 'sync' | 'meta' | 'readahead', boolean>>][] = [
    ['R', 'read', {}],
    ['W', 'write', {}],
    ['WS', 'write', { sync: true }],
    ['RM', 'read', { meta: true }],
    ['WSM', 'write', { sync: true, meta: true }],
    ['RA', 'read', { readahead: true }],
    ['FWS', 'write', { preflush: true, sync: true }],
    ['WFS', 'write', { fua: true, sync: true }],
    ['FWFS', 'write', { preflush: true, fua: true, sync: true }],
    ['F', 'flush', {}],
    ['FF', 'flush', { preflush: true }],
    ['FS', 'flush', { sync: true }],
    ['FN', 'other', { preflush: true }],
    ['N', 'other', {}],
    ['D', 'discard', {}],
    ['DE', 'discard', {}],
    ['ZA', 'write', {}],
    ['ZR', 'zone', {}],
    ['ZRA', 'zone', {}],
    ['ZF', 'zone', {}],
    ['WBS', 'write', { sync: true }],
  ];
  it.each(table)('%s is %s', (tok, kind, flags) => {
    const r = parseRwbs(tok)!;
    expect(r.kind).toBe(kind);
    for (const [k, v] of Object.entries(flags)) expect(r[k as keyof typeof flags]).toBe(v);
  });

  it.each(['', 'X', 'RR', 'WX', 'r', 'W S', 'FFFFFFFFFFF'])('%j is not a token', (tok) => expect(parseRwbs(tok)).toBeNull());

  it('a write or N with a preflush and no data is a flush; with data it is a write', () => {
    expect(accountingKind(parseRwbs('FWS')!, 0)).toBe('flush');
    expect(accountingKind(parseRwbs('FN')!, 0)).toBe('flush');
    expect(accountingKind(parseRwbs('FWS')!, 4096)).toBe('write');
    expect(accountingKind(parseRwbs('WS')!, 0)).toBe('write');
  });

  it('OpTally: reads and writes keep their bytes; the rest are zero-byte writes, counted by kind', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('R', 'WS', 'F', 'FF', 'D', 'N', 'ZR', 'FWS'), fc.integer({ min: 0, max: 1 << 20 }))), (reqs) => {
        const t = new OpTally();
        let flush = 0;
        let discard = 0;
        let discardBytes = 0;
        for (const [tok, bytes] of reqs) {
          const r = parseRwbs(tok)!;
          const got = t.account(r, bytes);
          const k = accountingKind(r, bytes);
          if (k === 'read') expect(got).toEqual({ op: 'R', bytes });
          else if (k === 'write') expect(got).toEqual({ op: 'W', bytes });
          else expect(got).toEqual({ op: 'W', bytes: 0 });
          if (k === 'flush') flush++;
          if (k === 'discard') {
            discard++;
            discardBytes += bytes;
          }
        }
        const sink = new RecordingSink();
        t.finish(sink);
        const w = sink.warnings.join('\n');
        if (flush) expect(w).toContain(`${flush} flush(es)`);
        if (discard) expect(w).toContain(`${discard} discard(s) (RWBS D/DE)${discardBytes ? ` covering ${discardBytes} bytes` : ''}`);
      }),
    );
  });
});
