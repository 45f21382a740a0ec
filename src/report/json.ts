import type { Analysis } from '../core/analysis.js';

/** The JSON contract (DESIGN.md, schema_version 1). Non-finite numbers become null. */
export function renderJson(a: Analysis, opts: { pretty?: boolean } = {}): string {
  return JSON.stringify(a, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), opts.pretty === false ? undefined : 2) + '\n';
}
