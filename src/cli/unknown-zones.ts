// Zones that an option names and the input does not have: a typo (`--weights dB=3`) or the wrong
// trace. Either way the option silently did nothing, so the report says so.

import { nearNames } from './suggest.js';

const SHOWN = 10;

/**
 * One warning naming the zones in `names` that are not among `inputZones` (none: []), e.g.
 * "--weights names zone(s) not in the input: db (did you mean db01?)". `option` is the flag as
 * the user wrote it ('--weights', '--cap', '--loop'); `what` names what it names ('device' for
 * --parallelism). Candidates for "did you mean" are looked for
 * among the input's zones only when there are few enough to scan.
 */
export function unknownZoneWarnings(option: string, names: Iterable<string>, inputZones: Iterable<string>, what = 'zone'): string[] {
  const known = inputZones instanceof Set ? (inputZones as ReadonlySet<string>) : new Set(inputZones);
  const missing = [...new Set(names)].filter((n) => !known.has(n));
  if (missing.length === 0) return [];
  const scan = known.size <= 10_000;
  const described = missing.slice(0, SHOWN).map((n) => {
    const near = scan ? nearNames(n, known, 1) : [];
    return near.length ? `${n} (did you mean ${near[0]}?)` : n;
  });
  const more = missing.length > SHOWN ? ` and ${missing.length - SHOWN} more` : '';
  return [`${option} names ${missing.length === 1 ? `a ${what}` : `${missing.length} ${what}s`} not in the input: ${described.join(', ')}${more}; ${missing.length === 1 ? 'it has' : 'they have'} no effect`];
}
