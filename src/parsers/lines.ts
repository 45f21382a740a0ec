import type { Parser } from './types.js';

/**
 * Adapts a per-line callback to the chunked Parser interface: splits on \n, strips a trailing \r
 * (CRLF input), numbers lines from 1, and hands a final unterminated line to `onLine` with
 * `truncated = true` so the format can decide whether a cut-off last line is bad.
 */
export function lineParser(
  onLine: (text: string, lineNo: number, truncated: boolean) => void,
  onEnd?: () => void,
  /**
   * Optional fast path, tried on each complete line before it is sliced into a string: gets the
   * buffer, the line's bounds (CR excluded) and whether the line holds a double quote (found
   * with one search per chunk); returns true when it consumed the line.
   */
  fast?: (s: string, start: number, end: number, quoted: boolean) => boolean,
): Parser {
  let rest = '';
  let lineNo = 0;
  return {
    write(chunk: string) {
      let start = 0;
      const s = rest.length ? rest + chunk : chunk;
      let quote = fast ? s.indexOf('"') : -1;
      for (;;) {
        const nl = s.indexOf('\n', start);
        if (nl < 0) break;
        let end = nl;
        if (end > start && s.charCodeAt(end - 1) === 13) end--;
        ++lineNo;
        if (quote >= 0 && quote < start) quote = s.indexOf('"', start);
        if (!fast || !fast(s, start, end, quote >= 0 && quote < end)) onLine(s.slice(start, end), lineNo, false);
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
