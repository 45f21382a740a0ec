import type { RecordSink } from '../records.js';
import type { Parser } from './types.js';

/**
 * The longest line any input format may have (1 MiB; the widest real line, an iostat row or a
 * sysstat JSON disk entry, is under 1 KiB). A longer line is skipped (LINE_TOO_LONG) without being
 * held in memory, so a corrupt input (a gzip that inflates to one 2 GB line) cannot exhaust it.
 */
export const MAX_LINE_BYTES = 1 << 20;

/** Why a line with a NUL byte is skipped (NUL_BYTE), in every format. */
export const NUL_REASON = 'a NUL byte: binary data inside a text trace';

/**
 * Adapts a per-line callback to the chunked Parser interface: splits on \n, strips a trailing \r
 * (CRLF input), numbers lines from 1, and hands a final unterminated line to `onLine` with
 * `truncated = true` so the format can decide whether a cut-off last line is bad.
 */
export function lineParser(
  onLine: (text: string, lineNo: number, truncated: boolean) => void,
  onEnd?: () => void,
): Parser {
  let rest = '';
  let lineNo = 0;
  return {
    write(chunk: string) {
      let start = 0;
      const s = rest.length ? rest + chunk : chunk;
      for (;;) {
        const nl = s.indexOf('\n', start);
        if (nl < 0) break;
        let end = nl;
        if (end > start && s.charCodeAt(end - 1) === 13) end--;
        onLine(s.slice(start, end), ++lineNo, false);
        start = nl + 1;
      }
      rest = s.slice(start);
    },
    end() {
      if (rest.length) {
        const text = rest.endsWith('\r') ? rest.slice(0, -1) : rest;
        rest = '';
        onLine(text, ++lineNo, true);
      }
      onEnd?.();
    },
  };
}

/** Why a cut-off last line that is not blank is skipped (TRUNCATED). */
export const TRUNCATED_REASON = 'truncated last line';

/**
 * lineParser for formats whose rows are whole lines: a cut-off last line that is not blank is a
 * TRUNCATED skip, never parsed (a blank one is nothing), so `onLine` only sees complete lines.
 */
export function wholeLineParser(sink: RecordSink, onLine: (text: string, lineNo: number) => void, onEnd?: () => void): Parser {
  return lineParser((text, lineNo, truncated) => {
    if (!truncated) onLine(text, lineNo);
    else if (text.trim() !== '') sink.skip(lineNo, 'TRUNCATED', TRUNCATED_REASON);
  }, onEnd);
}

/**
 * Wraps a text parser so that it never sees a line longer than MAX_LINE_BYTES (counted in UTF-16
 * units, which is bytes for the ASCII the tools print) nor one with a NUL byte: such a line is
 * reported to `sink` (LINE_TOO_LONG, NUL_BYTE) and reaches the parser as an empty line, so line
 * numbers stay right. The wrapper holds at most one line's start; the parser receives whole lines
 * only (and, at the end, the unterminated last one).
 */
export function boundedLines(parser: Parser, sink: RecordSink): Parser {
  let held = ''; // the current line's start, no newline yet
  let dropping = false; // the current line is too long: discard it up to its newline
  let lineNo = 1; // the current line's number
  const tooLong = () => sink.skip(lineNo, 'LINE_TOO_LONG', `line longer than ${MAX_LINE_BYTES} bytes`);
  return {
    write(chunk: string) {
      let pos = 0; // start of the current line within chunk
      let runFrom = 0; // start of the text not yet passed on
      if (dropping) {
        const nl = chunk.indexOf('\n');
        if (nl < 0) return;
        dropping = false;
        runFrom = nl; // its newline is passed on: the dropped line arrives empty
        pos = nl + 1;
        lineNo++;
      }
      let nul = chunk.indexOf('\0', pos);
      for (;;) {
        const nl = chunk.indexOf('\n', pos);
        if (nl < 0) break;
        if (nul >= 0 && nul < pos) nul = chunk.indexOf('\0', pos);
        const tooLongHere = held.length + nl - pos > MAX_LINE_BYTES;
        if (tooLongHere || (nul >= 0 && nul < nl) || (held && held.includes('\0'))) {
          if (pos > runFrom) parser.write(chunk.slice(runFrom, pos));
          held = '';
          if (tooLongHere) tooLong();
          else sink.skip(lineNo, 'NUL_BYTE', NUL_REASON);
          runFrom = nl;
        } else if (held) {
          parser.write(held);
          held = '';
        }
        lineNo++;
        pos = nl + 1;
      }
      if (pos > runFrom) parser.write(chunk.slice(runFrom, pos));
      if (held.length + chunk.length - pos > MAX_LINE_BYTES) {
        held = '';
        tooLong();
        dropping = true;
      } else if (pos < chunk.length) held += chunk.slice(pos);
    },
    end() {
      if (held.includes('\0')) sink.skip(lineNo, 'NUL_BYTE', NUL_REASON);
      else if (held) parser.write(held);
      held = '';
      parser.end();
    },
  };
}
