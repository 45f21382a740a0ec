// CSV for spreadsheets: one row per zone as observed (section "observed"), one per zone and
// what-if policy (section "whatif") and one per device (section "device": its parallelism, how
// its device time was measured, its cost model), columns named with their units (latency_p99_us,
// device_time_s). The columns are the zones', policies' and devices' fields as the Analysis has
// them (see flatten.ts), in the order first met. A cell that a spreadsheet would run as a formula
// (a zone named "=HYPERLINK(…)": it starts with = + - @, a tab or a carriage return) gets a
// leading ' (OWASP "CSV injection"); numbers stay numbers, so -0.25 is not escaped. Control
// characters in names become visible escapes (safeTerm), as on a terminal, where `cat report.csv`
// would show them.

import { stringify } from 'csv-stringify/sync';
import type { Analysis } from '../core/analysis.js';
import { flatten } from './flatten.js';
import { safeTerm } from './sanitize.js';
import type { Renderer } from './types.js';

type Cell = number | string | boolean | null;

const ZONE_SKIP = new Set(['latency_histogram']);
const POLICY_SKIP = new Set(['zones']);
const POLICY_AS_JSON = new Set(['params']);

export function renderCsv(a: Analysis): string {
  const rows: Map<string, Cell>[] = [];
  const columns = new Map<string, true>([['section', true], ['policy', true], ['loop', true], ['zone', true], ['device', true]]);
  const row = (fields: { name: string; value: Cell }[]) => {
    const r = new Map<string, Cell>();
    for (const f of fields) {
      columns.set(f.name, true);
      r.set(f.name, typeof f.value === 'number' && !Number.isFinite(f.value) ? null : typeof f.value === 'string' ? safeTerm(f.value) : f.value);
    }
    rows.push(r);
  };
  for (const z of a.zones) row([{ name: 'section', value: 'observed' }, ...flatten(z, { skip: ZONE_SKIP })]);
  for (const p of a.policies) {
    const policy = flatten(p, { skip: POLICY_SKIP, asJson: POLICY_AS_JSON });
    for (const z of p.zones) row([{ name: 'section', value: 'whatif' }, ...policy, ...flatten(z, { skip: ZONE_SKIP })]);
  }
  for (const d of a.devices) row([{ name: 'section', value: 'device' }, ...flatten(d)]);
  const header = [...columns.keys()];
  return stringify([header, ...rows.map((r) => header.map((c) => r.get(c) ?? null))], {
    escape_formulas: true,
    record_delimiter: 'unix',
    cast: { boolean: (b) => (b ? 'true' : 'false') },
  });
}

export const csvRenderer: Renderer = {
  name: 'csv',
  description: 'one row per zone (observed) and per zone and what-if policy, units in the column names',
  machineReadable: true,
  extension: 'csv',
  usesTimeline: false,
  render: (a) => renderCsv(a),
};
