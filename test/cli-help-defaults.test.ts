import { describe, it, expect } from 'vitest';
import { fixture, runCli } from './helpers.js';

/** Each option of `iofair analyze --help` with the default it prints: [flag, default]. */
function printedDefaults(help: string): [string, string][] {
  const lines = help.split('\n');
  const start = lines.indexOf('Options:');
  const blocks: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '') break;
    if (/^ {2}-/.test(line)) blocks.push(line.trim());
    else blocks[blocks.length - 1] += ' ' + line.trim();
  }
  const out: [string, string][] = [];
  for (const b of blocks) {
    const flag = /(--[a-z-]+) </.exec(b);
    const def = /\bdefault: ([^)]*)\)/.exec(b);
    if (flag && def) out.push([flag[1], def[1]]);
  }
  return out;
}

describe('analyze --help prints every default in the form the options read back', () => {
  const help = runCli(['analyze', '--help']);
  const defaults = printedDefaults(help.stdout);

  it('prints the defaults with their units', () => {
    expect(help.status).toBe(0);
    const d = new Map(defaults);
    expect(Object.fromEntries(d)).toMatchObject({
      '--format': 'table',
      '--reorder-window': '2s',
      '--drain-timeout': '5s',
      '--policy': 'fifo,cap,throttle,fair',
      '--cap': 'auto',
      '--cap-burst': '100ms',
      '--loop': 'auto',
      '--cap-ladder': 'iops',
      '--throttle-delay-step': '5us',
      '--throttle-delay-ceiling': '100us',
      '--throttle-adjust': '250ms',
      '--throttle-cycle': '2s',
      '--throttle-sys-avg-cycle': '1s',
      '--throttle-busy': '80%',
      '--throttle-calm': '60%',
      '--throttle-slow': '50ms',
      '--throttle-recent': '1s',
      '--throttle-ancient': '5s',
      '--throttle-sched': '10',
    });
    // every option taking a duration prints its default with a unit, or has none
    for (const m of help.stdout.matchAll(/(--[a-z-]+) <duration>/g)) {
      const v = d.get(m[1]);
      if (v !== undefined) expect(v, m[1]).toMatch(/^\d+(\.\d+)?(ns|us|ms|s|m|h)$/);
    }
  });

  for (const input of ['story.csv', 'intervals/vfsstat-caps.txt', 'intervals/vfsstat-Z.txt']) {
    it(`passing every printed default back gives a byte-identical report (${input})`, () => {
      const args = defaults.flatMap(([flag, value]) => [flag, value]);
      const plain = runCli(['analyze', '--json', fixture(input)]);
      const explicit = runCli(['analyze', '--json', ...args, fixture(input)]);
      expect(plain.status, plain.stderr).toBe(0);
      expect(explicit.status, explicit.stderr).toBe(0);
      expect(explicit.stdout).toBe(plain.stdout);
      expect(JSON.parse(plain.stdout).policies.length).toBe(4);
    });
  }
});
