// CSV for spreadsheets: one table whose `section` column says what a row is about, so a filter on
// it gives one homogeneous table:
//   observed       a zone as observed
//   device         a device as observed: its parallelism, how its device time was measured, its
//                  fitted cost model
//   whatif_policy  a replayed policy: its work within the window, lost against fifo and not done
//                  at its end, idle time while IO waited, whether it costs performance
//   whatif_device  a replayed policy on one device: the device's idle time while IO waited
//   whatif         a zone under a replayed policy: its latency, IOs not done, finish time
//   ladder         a level of the cap ladder: what it cost, and the protected zone's p99
//   ladder_device  a level on one device: the capacity it shares out and the protected zone's limit
//   ladder_zone    a zone at a level of the cap ladder
// The key columns come first (section, policy, loop, level, device, zone); the others are the
// Analysis's fields as flatten.ts names them (units in the names: latency_p99_us, device_time_s),
// in the order first met. A column means the same in every section it appears in, for the row's
// subject: backlog_ops is the policy's IOs not done in a whatif_policy row, the zone's in a
// whatif row.
//
// A cell that a spreadsheet would run as a formula (a zone named "=HYPERLINK(…)": it starts with
// = + - @, a tab or a carriage return) gets a leading ' (OWASP "CSV injection"); numbers stay
// numbers, so -0.25 is not escaped. Control characters in names become visible escapes
// (safeTerm), as on a terminal, where `cat report.csv` would show them.

import { stringify } from 'csv-stringify/sync';
import type { Analysis, CapLadder, LadderZoneResult, PolicyZoneResult } from '../core/analysis.js';
import { flatten, type FlatField } from './flatten.js';
import { safeTerm } from './sanitize.js';
import type { Renderer } from './types.js';

type Cell = number | string | boolean | null;

const KEYS = ['section', 'policy', 'loop', 'level', 'device', 'zone'];
const ZONE_SKIP = new Set(['latency_histogram']);
const POLICY_SKIP = new Set(['zones', 'devices']);
const POLICY_AS_JSON = new Set(['params']);
const LEVEL_SKIP = new Set(['level', 'zones', 'devices', 'worst_device']);

const field = (name: string, value: Cell): FlatField => ({ name, value });

/** A zone's fields under a policy or a ladder level; issue_lag_us always as its two columns, known or not. */
const zoneFields = (z: PolicyZoneResult | LadderZoneResult): FlatField[] => flatten({ ...z, issue_lag_us: z.issue_lag_us ?? { p50: null, p99: null } }, { skip: ZONE_SKIP });

/** A ladder amount per second with its unit in the name: capacity_iops, protected_limit_bytes_per_s. */
const perSecond = (L: CapLadder, base: string) => (L.unit === 'iops' ? `${base}_iops` : `${base}_bytes_per_s`);

export function renderCsv(a: Analysis): string {
  const rows: Map<string, Cell>[] = [];
  const columns = new Map<string, true>(KEYS.map((k) => [k, true]));
  const row = (section: string, fields: FlatField[]) => {
    const r = new Map<string, Cell>([['section', section]]);
    for (const f of fields) {
      columns.set(f.name, true);
      r.set(f.name, typeof f.value === 'number' && !Number.isFinite(f.value) ? null : typeof f.value === 'string' ? safeTerm(f.value) : f.value);
    }
    rows.push(r);
  };

  for (const z of a.zones) row('observed', flatten(z, { skip: ZONE_SKIP }));
  for (const d of a.devices) row('device', flatten(d));

  const findings = new Map((a.verdict?.policies ?? []).map((f) => [f.policy, f]));
  for (const p of a.policies) {
    const keys = [field('policy', p.policy), field('loop', p.loop)];
    const f = findings.get(p.policy);
    row('whatif_policy', [...keys, ...flatten(p, { skip: POLICY_SKIP, asJson: POLICY_AS_JSON }), field('costs_performance', f ? f.costs_performance : null)]);
    for (const d of p.devices ?? []) row('whatif_device', [...keys, ...flatten(d)]);
    for (const z of p.zones) row('whatif', [...keys, ...zoneFields(z)]);
  }

  const L = a.cap_ladder;
  if (L) {
    const ladder = [
      field('ladder_unit', L.unit),
      field('burst_s', L.burst_s),
      field('protected_zone', L.protected_zone),
      field('protected_fifo_p99_us', L.protected_fifo_p99_us),
      field('protected_fair_p99_us', L.protected_fair_p99_us),
      field('cheapest_protecting_level', L.cheapest_protecting_level),
      field('best_free_level', L.best_free_level),
      field('protects_without_cost', L.protects_without_cost),
    ];
    for (const l of L.levels) {
      const level = field('level', l.level);
      row('ladder', [level, ...ladder, ...flatten(l, { skip: LEVEL_SKIP })]);
      for (const c of l.capacity_per_s) {
        const idle = l.devices?.find((d) => d.device === c.device);
        const limit = l.protected_limit_per_s.find((x) => x.device === c.device);
        row('ladder_device', [
          level,
          field('device', c.device),
          field(perSecond(L, 'capacity'), c.per_s),
          field(perSecond(L, 'protected_limit'), limit ? limit.per_s : null),
          ...(idle ? flatten(idle, { skip: new Set(['device']) }) : []),
        ]);
      }
      for (const z of l.zones ?? []) row('ladder_zone', [level, ...zoneFields(z)]);
    }
  }

  const header = [...columns.keys()];
  return stringify([header, ...rows.map((r) => header.map((c) => r.get(c) ?? null))], {
    escape_formulas: true,
    record_delimiter: 'unix',
    cast: { boolean: (b) => (b ? 'true' : 'false') },
  });
}

export const csvRenderer: Renderer = {
  name: 'csv',
  description: 'a row per zone, what-if policy, device and cap-ladder level, a section column saying which; units in the column names',
  machineReadable: true,
  extension: 'csv',
  usesTimeline: false,
  render: (a) => renderCsv(a),
};
