// Every text fixture, by the input format it sniffs as: the tests that go through every format
// of the registry (test/fuzz.test.ts, test/hostile-input.test.ts) take their inputs from here, so
// a format added with a fixture is covered without touching them.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { sniffFormat } from '../src/parsers/registry.js';
import { ROOT } from './helpers.js';

export const FIXTURES = join(ROOT, 'fixtures');

/** Format name → fixture paths relative to fixtures/ (not gzip, not the big story trace). */
export function fixturesByFormat(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const walk = (dir: string) => {
    for (const f of readdirSync(dir).sort()) {
      const p = join(dir, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (!/\.(gz|md)$/.test(f) && statSync(p).size < 100_000) {
        const fmt = sniffFormat(readFileSync(p, 'utf8').split('\n', 50).map((l) => l.replace(/\r$/, '')));
        if (fmt) out.set(fmt.name, [...(out.get(fmt.name) ?? []), relative(FIXTURES, p)]);
      }
    }
  };
  walk(FIXTURES);
  return out;
}
