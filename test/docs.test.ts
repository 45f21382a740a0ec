// The man page is what the commands say (generated, and current), renders, and the README's
// PromQL names metrics the prom format really writes.

import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { ROOT } from './helpers.js';
import { renderProm } from '../src/report/prom.js';
import { parseExposition } from './prom-parser.js';
import { analysisOf } from './report-helpers.js';

const read = (p: string) => readFileSync(new URL(`../${p}`, import.meta.url), 'utf8');

describe('iofair.1', () => {
  it('is current: the generator (from the built commands) writes the committed page (npm run man)', () => {
    const r = spawnSync(process.execPath, ['scripts/gen-man.mjs', '--stdout'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout, 'iofair.1 is not current: run npm run man').toBe(read('iofair.1'));
  });

  it('lists every command and option that --help lists', () => {
    const page = read('iofair.1').replace(/\\-/g, '-');
    for (const cmd of ['analyze', 'merge', 'script']) {
      const help = spawnSync(process.execPath, ['bin/iofair.js', cmd, '--help'], { cwd: ROOT, encoding: 'utf8' }).stdout;
      expect(page).toContain(`iofair ${cmd} `);
      for (const [flag] of help.matchAll(/--[a-z][a-z-]+/g)) expect(page).toContain(flag);
    }
  });

  const man = spawnSync('man', ['--version']).status === 0;
  it.skipIf(!man)('renders with man(1), without warnings, in the C locale too', () => {
    for (const LANG of ['C', 'C.UTF-8']) {
      const r = spawnSync('man', ['-l', 'iofair.1'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, LANG, LC_ALL: LANG, MANWIDTH: '80', MANPAGER: 'cat', PAGER: 'cat' } });
      expect(r.status).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(/^IOFAIR\(1\)/);
      expect(r.stdout).toContain('iofair merge [options] report.json');
      expect(r.stdout).toContain('EXIT STATUS');
    }
  });

  it('is in package.json (man, files), with the LICENSE', () => {
    const pkg = JSON.parse(read('package.json'));
    expect(pkg.man).toEqual(['./iofair.1']);
    expect(pkg.files).toEqual(expect.arrayContaining(['iofair.1', 'LICENSE']));
    expect(pkg.license).toBe('MIT');
    expect(read('LICENSE')).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} the iofair authors\n/);
    expect(existsSync(new URL('../iofair.1', import.meta.url))).toBe(true);
  });
});

describe('README', () => {
  it("the Fleets section's PromQL uses only metrics the prom format writes", () => {
    const fleets = read('README.md').split('## Fleets')[1].split('\n## ')[0];
    const promql = [...fleets.matchAll(/```promql\n([\s\S]*?)```/g)].map((m) => m[1]).join('\n');
    const names = new Set([...promql.replace(/#.*$/gm, '').matchAll(/\b(iofair_[a-z0-9_]+)/g)].map((m) => m[1]));
    expect(names.size).toBeGreaterThan(4);
    const fams = parseExposition(renderProm(analysisOf('fixtures/tenants.csv')));
    const written = new Set<string>();
    for (const f of fams.values()) for (const s of f.samples) written.add(s.name);
    // the cap ladder's protection metrics need a zone to protect: story.csv has one
    for (const f of parseExposition(renderProm(analysisOf('fixtures/story.csv'))).values()) for (const s of f.samples) written.add(s.name);
    for (const n of names) expect(written, n).toContain(n);
    // the labels the queries select on
    expect(promql).toMatch(/policy="(fair|cap)"/);
    expect([...fams.get('iofair_policy_throughput_loss_ratio')!.samples].map((s) => s.labels.get('policy'))).toContain('fair');
  });
});
