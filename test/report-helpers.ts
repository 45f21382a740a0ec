import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Chalk } from 'chalk';
import { expect } from 'vitest';
import fc from 'fast-check';
import { safeTerm } from '../src/report/sanitize.js';
import type { Analysis } from '../src/core/analysis.js';
import type { RenderOptions } from '../src/report/types.js';
import { runCli } from './helpers.js';

/** The version every exact-output test renders with, so a release does not change the files. */
export const TEST_VERSION = '0.0.0-test';

/** `iofair analyze --json` of a fixture (path relative to the repository), with the fixed version. */
export function analysisOf(fixturePath: string, args: string[] = []): Analysis {
  const r = runCli(['analyze', '--json', ...args, fixturePath]);
  if (r.status !== 0) throw new Error(`iofair analyze ${fixturePath} failed (${r.status}): ${r.stderr}`);
  const a = JSON.parse(r.stdout) as Analysis;
  a.tool.version = TEST_VERSION;
  return a;
}

export const plain = (width = 100): RenderOptions => ({ chalk: new Chalk({ level: 0 }), width });

/**
 * Compares text with test/expected/NAME byte for byte. UPDATE_EXPECTED=1 writes the file instead:
 * then read the diff by hand before committing it.
 */
export function expectExact(name: string, text: string): void {
  const path = fileURLToPath(new URL(`./expected/${name}`, import.meta.url));
  if (process.env.UPDATE_EXPECTED === '1') writeFileSync(path, text);
  expect(text).toBe(readFileSync(path, 'utf8'));
}

/** The analysis with its zones renamed (everywhere a zone name appears). */
export function renamed(a: Analysis, names: string[]): Analysis {
  const b = structuredClone(a);
  const map = new Map(a.zones.map((z, i) => [z.zone, names[i]]));
  for (const z of b.zones) z.zone = map.get(z.zone)!;
  for (const p of b.policies) for (const z of p.zones) z.zone = map.get(z.zone)!;
  if (b.timeline) for (const z of b.timeline.zones) z.zone = map.get(z.zone)!;
  const L = b.cap_ladder;
  if (L) {
    if (L.protected_zone !== null) L.protected_zone = map.get(L.protected_zone)!;
    for (const l of L.levels) for (const z of l.zones ?? []) z.zone = map.get(z.zone)!;
  }
  for (const f of b.verdict?.policies ?? []) for (const c of [...f.raised, ...f.cut]) c.zone = map.get(c.zone)!;
  return b;
}

/** `n` distinct zone names, hostile ones among them (distinct also once made visible by safeTerm). */
export const zoneNames = (n: number) =>
  fc.uniqueArray(
    fc.oneof(
      fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }),
      fc.constantFrom('=1+1', '+cmd', '-2', '@SUM(A1)', '\tx', '\rx', '＝1', '"q",', 'a\nb', '\\', '|x|', '**b**', '<i>', 'http://x', '__proto__'),
    ),
    { minLength: n, maxLength: n, selector: (s) => safeTerm(s) },
  );
