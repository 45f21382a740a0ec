// Helpers shared by the DTrace parsers (dtrace-iofair, iosnoop, dtrace-printf, dtrace-agg).
//
// DTrace writes its own diagnostics to stderr with a `dtrace: ` prefix (libdtrace dt_handle.c);
// when stderr is merged into the pipe (`dtrace ... 2>&1 | iofair analyze -`) they arrive between
// records. They are never bad records: drops are counted as lost events, the rest is ignored.

import type { RecordSink } from '../records.js';
import { monthIndex } from './vocabulary.js';

/** Kinds of loss DTrace reports; each is summarised in one warning at the end. */
interface LossTally {
  count: number;
  messages: number;
}

// `dtrace: 1234 drops on CPU 3` (principal buffer), `dtrace: 2 aggregation drops on CPU 0`,
// `dtrace: 17 dynamic variable drops [with non-empty dirty list|rinsing list]`,
// `dtrace: 3 speculative drops`, `dtrace: 1 failed speculation`,
// `dtrace: 5 stack/string buffer overflows`.
const DROP_RE =
  /^dtrace: (\d+) (drops? on CPU \d+|aggregation drops? on CPU \d+|dynamic variable drops?(?: with non-empty (?:dirty|rinsing) list)?|speculative drops?|failed speculations?|speculations? unavailable[^]*|stack\/string buffer overflows?|errors? in ERROR probe enabling)\s*$/;
// `dtrace: error on enabled probe ID 3 (ID 1234: io:::done): invalid address (0x0) in action #2`
const PROBE_ERROR_RE = /^dtrace: error on enabled probe ID \d+/;
// Messages that carry no data and lose none.
const BENIGN_RE =
  /^dtrace: (?:script '.*' matched \d+ probes?|description '.*' matched \d+ probes?|\d+ probes? matched|buffer size lowered to \S+|aggregation size lowered to \S+|dynamic variable size lowered to \S+|pid \d+ has exited|pid \d+ exited with status \d+|process \d+ exited|target process \d+ exited)\s*$/;

function lossKind(what: string): string {
  if (/^drops? on CPU/.test(what)) return 'principal buffer drops';
  if (/^aggregation/.test(what)) return 'aggregation drops';
  if (/^dynamic variable/.test(what)) return 'dynamic variable drops';
  if (/^speculat|^failed speculation/.test(what)) return 'speculative drops';
  if (/^stack/.test(what)) return 'stack/string buffer overflows';
  return 'errors in ERROR probe';
}

const LOSS_ADVICE: ReadonlyMap<string, string> = new Map([
  ['principal buffer drops', 'records were lost before reaching the output; raise bufsize or switchrate'],
  ['aggregation drops', 'aggregation updates were lost; raise aggsize'],
  [
    'dynamic variable drops',
    'start timestamps could not be stored, so those IOs were never printed; raise dynvarsize or cleanrate',
  ],
  ['speculative drops', 'speculative records were lost; raise specsize or nspec'],
  ['stack/string buffer overflows', 'some strings or stacks were cut short'],
  ['errors in ERROR probe', 'DTrace errors inside the ERROR probe lost records'],
  ['probe errors', 'each aborted probe clause lost (at most) one record; see the dtrace: error lines'],
]);

/**
 * Recognises lines DTrace itself writes (and a terminal's echoed `^C`). `handle` returns true when
 * the line was one of them (consumed); `finish` emits one summary warning per loss kind.
 */
export class DtraceMessages {
  private tallies = new Map<string, LossTally>();
  private other = 0;
  private firstOther = '';

  constructor(private sink: RecordSink) {}

  handle(line: string): boolean {
    const t = line.trim();
    if (t === '^C' || /^Tracing\b.*(?:Ctrl-C|\.\.\.)/i.test(t)) return true; // banners scripts print
    if (!t.startsWith('dtrace:')) return false;
    const m = DROP_RE.exec(t);
    if (m) {
      const n = Number(m[1]);
      const kind = lossKind(m[2]);
      if (n > 0) this.sink.lost(n, `dtrace ${kind}`);
      this.tally(kind, n);
      return true;
    }
    if (PROBE_ERROR_RE.test(t)) {
      this.sink.lost(1, 'dtrace probe errors');
      this.tally('probe errors', 1);
      return true;
    }
    if (BENIGN_RE.test(t)) return true;
    // Another dtrace: message (e.g. "dtrace: processing aborted: ..."): not data, but worth a note.
    if (this.other++ === 0) this.firstOther = t.length > 160 ? t.slice(0, 160) + '…' : t;
    return true;
  }

  private tally(kind: string, n: number): void {
    const t = this.tallies.get(kind);
    if (t) {
      t.count += n;
      t.messages++;
    } else this.tallies.set(kind, { count: n, messages: 1 });
  }

  finish(): void {
    for (const [kind, t] of this.tallies) {
      this.sink.warn(
        `dtrace reported ${t.count} ${kind} (${t.messages} message${t.messages === 1 ? '' : 's'}): ` +
          (LOSS_ADVICE.get(kind) ?? 'data was lost'),
      );
    }
    if (this.other) {
      this.sink.warn(
        `ignored ${this.other} other dtrace: message${this.other === 1 ? '' : 's'} (first: "${this.firstOther}")`,
      );
    }
  }
}

/** Split on runs of spaces/tabs, dropping empty ends. */
export function splitWs(s: string): string[] {
  const t = s.trim();
  return t === '' ? [] : t.split(/[ \t]+/);
}

const INT_RE = /^[+-]?\d+$/;

/** A decimal integer token as a Number (exact below 2^53), or NaN. */
export function intOf(tok: string | undefined): number {
  if (tok === undefined || !INT_RE.test(tok)) return NaN;
  return Number(tok);
}

/** A decimal number token (integer or fraction) as a Number, or NaN. */
export function numOf(tok: string | undefined): number {
  if (tok === undefined || !/^[+-]?(?:\d+\.?\d*|\.\d+)$/.test(tok)) return NaN;
  return Number(tok);
}

/**
 * DTrace `%Y` prints `2006 Jan  6 20:21:59` (4 whitespace tokens). Returns epoch seconds, read as
 * UTC (dtrace formats in the consumer's local time zone, which the text does not say), or NaN.
 */
export function dtraceDateY(toks: string[], at: number): number {
  const y = intOf(toks[at]);
  const mon = monthIndex(toks[at + 1] ?? '');
  const d = intOf(toks[at + 2]);
  const hms = /^(\d\d):(\d\d):(\d\d)$/.exec(toks[at + 3] ?? '');
  if (!(y >= 1970) || mon === undefined || !(d >= 1 && d <= 31) || !hms) return NaN;
  return Date.UTC(y, mon, d, Number(hms[1]), Number(hms[2]), Number(hms[3])) / 1000;
}

export function looksLikeDateY(toks: string[], at: number): boolean {
  return !Number.isNaN(dtraceDateY(toks, at));
}

/** Lines worth sniffing: without blanks, dtrace: messages, `^C` and banners such as "Tracing...". */
export function contentLines(head: string[], max = 20): string[] {
  const out: string[] = [];
  for (const l of head) {
    const t = l.trim();
    if (t === '' || t === '^C' || t.startsWith('dtrace:') || /^Tracing\b/i.test(t)) continue;
    out.push(l);
    if (out.length >= max) break;
  }
  return out;
}
