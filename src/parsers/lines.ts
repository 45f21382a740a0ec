import type { Parser } from './types.js';

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
