// A reader for Python literal reprs (what `print(dict)` writes), without evaluating anything:
// dicts, lists, tuples, str and bytes in single or double quotes with their escapes, ints,
// floats, True, False, None. bcc's `-j` options print such dicts, not JSON.
//
// Dicts become Maps (their keys are untrusted text: `__proto__` is a legal key); bytes become
// strings (latin-1, as their escapes say byte by byte).

export type PyValue = null | boolean | number | string | PyValue[] | Map<string, PyValue>;

export class PyLiteralError extends Error {
  constructor(
    message: string,
    /** 0-based offset in the text. */
    readonly at: number,
  ) {
    super(`${message} at character ${at + 1}`);
  }
}

const MAX_DEPTH = 64;

/** Parses one literal that fills `text` (surrounding whitespace allowed); throws PyLiteralError. */
export function parsePyLiteral(text: string): PyValue {
  let i = 0;

  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const fail = (what: string): never => {
    throw new PyLiteralError(i < text.length ? `${what}, found ${JSON.stringify(text[i])}` : `${what}, found the end`, i);
  };

  const str = (): string => {
    let bytes = false;
    if (text[i] === 'b' || text[i] === 'B') {
      bytes = true;
      i++;
    }
    const q = text[i];
    if (q !== "'" && q !== '"') fail('expected a quote');
    i++;
    let out = '';
    for (;;) {
      if (i >= text.length) fail('unterminated string');
      const c = text[i++];
      if (c === q) return out;
      if (c === '\n') fail('line break inside a string');
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = text[i++];
      switch (e) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case '0': out += '\0'; break;
        case '\\': case "'": case '"': out += e; break;
        case 'x': case 'u': case 'U': {
          const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
          const hex = text.slice(i, i + n);
          if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== n || (bytes && e !== 'x')) fail(`bad \\${e} escape`);
          const cp = parseInt(hex, 16);
          if (cp > 0x10ffff) fail('code point out of range');
          out += String.fromCodePoint(cp);
          i += n;
          break;
        }
        default:
          fail('unknown escape');
      }
    }
  };

  const number = (): number => {
    const m = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 64));
    if (!m) fail('expected a number');
    i += m![0].length;
    return Number(m![0]);
  };

  const value = (depth: number): PyValue => {
    if (depth > MAX_DEPTH) fail('nested too deeply');
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const m = new Map<string, PyValue>();
      ws();
      if (text[i] === '}') {
        i++;
        return m;
      }
      for (;;) {
        ws();
        const k = value(depth + 1);
        if (typeof k !== 'string' && typeof k !== 'number') fail('expected a str or number key');
        ws();
        if (text[i] !== ':') fail("expected ':'");
        i++;
        m.set(String(k), value(depth + 1));
        ws();
        if (text[i] === ',') {
          i++;
          ws();
          if (text[i] === '}') {
            i++;
            return m;
          }
          continue;
        }
        if (text[i] === '}') {
          i++;
          return m;
        }
        fail("expected ',' or '}'");
      }
    }
    if (c === '[' || c === '(') {
      const close = c === '[' ? ']' : ')';
      i++;
      const a: PyValue[] = [];
      ws();
      if (text[i] === close) {
        i++;
        return a;
      }
      for (;;) {
        a.push(value(depth + 1));
        ws();
        if (text[i] === ',') {
          i++;
          ws();
          if (text[i] === close) {
            i++;
            return a;
          }
          continue;
        }
        if (text[i] === close) {
          i++;
          return a;
        }
        fail(`expected ',' or '${close}'`);
      }
    }
    if (c === "'" || c === '"' || ((c === 'b' || c === 'B') && (text[i + 1] === "'" || text[i + 1] === '"'))) return str();
    if (c === '-' || c === '.' || (c >= '0' && c <= '9')) return number();
    for (const [word, v] of [['True', true], ['False', false], ['None', null]] as const) {
      if (text.startsWith(word, i) && !/\w/.test(text[i + word.length] ?? '')) {
        i += word.length;
        return v;
      }
    }
    return fail('expected a value');
  };

  const v = value(0);
  ws();
  if (i < text.length) fail('unexpected text after the value');
  return v;
}
