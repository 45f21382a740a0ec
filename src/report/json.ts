// The JSON contract (DESIGN.md, schema_version 1). Non-finite numbers become null. Arrays of
// plain values (histogram buckets, timeline series) stay on one line, so the pretty form stays
// readable and small; live mode prints one compact line per snapshot (NDJSON).

import type { Analysis } from '../core/analysis.js';
import type { Renderer } from './types.js';

const finite = (_k: string, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v);

/**
 * Characters JSON.stringify leaves raw that a terminal acts on or that reorder text: DEL, the C1
 * controls (U+009B is a one-byte CSI), the line and paragraph separators and the bidi overrides.
 * They can only occur inside strings (JSON's own syntax is ASCII), so escaping them keeps the
 * JSON valid and its values the same.
 */
const RAW = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const escapeRaw = (text: string) => text.replace(RAW, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** One line, no spaces: NDJSON. */
export function compactJson(a: Analysis): string {
  return escapeRaw(JSON.stringify(a, finite)) + '\n';
}

/** Indented by two spaces; an array of plain values (or of arrays of them) on one line. */
export function prettyJson(a: Analysis): string {
  return escapeRaw(write(JSON.parse(JSON.stringify(a, finite)), '')) + '\n';
}

function isFlat(v: unknown): boolean {
  return v === null || typeof v !== 'object' || (Array.isArray(v) && v.every((x) => x === null || typeof x !== 'object'));
}

function write(v: unknown, indent: string): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  const inner = indent + '  ';
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    if (v.every(isFlat)) return '[' + v.map((x) => (Array.isArray(x) ? '[' + x.map((y) => JSON.stringify(y)).join(', ') + ']' : JSON.stringify(x))).join(', ') + ']';
    return '[\n' + v.map((x) => inner + write(x, inner)).join(',\n') + '\n' + indent + ']';
  }
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length === 0) return '{}';
  return '{\n' + entries.map(([k, x]) => `${inner}${JSON.stringify(k)}: ${write(x, inner)}`).join(',\n') + '\n' + indent + '}';
}

export const jsonRenderer: Renderer = {
  name: 'json',
  description: 'the JSON contract (schema_version 1); NDJSON with --every',
  machineReadable: true,
  extension: 'json',
  usesTimeline: true,
  render: (a) => prettyJson(a),
  live: { mode: 'append', render: (a) => compactJson(a) },
};
