import type { Analysis } from '../core/analysis.js';

/**
 * Characters JSON.stringify leaves raw that a terminal acts on or that reorder text: DEL, the C1
 * controls (U+009B is a one-byte CSI), the line and paragraph separators and the bidi overrides.
 * They can only occur inside strings (JSON's own syntax is ASCII), so escaping them keeps the
 * JSON valid and its values the same.
 */
const RAW = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** The JSON contract (DESIGN.md, schema_version 1). Non-finite numbers become null. */
export function renderJson(a: Analysis, opts: { pretty?: boolean } = {}): string {
  const text = JSON.stringify(a, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), opts.pretty === false ? undefined : 2);
  return text.replace(RAW, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) + '\n';
}
