// Exit codes cron can trust, and the one channel every stderr line goes through.

import { describe, it, expect, afterAll } from 'vitest';
import { chmodSync, closeSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { BIN, ROOT, fixture, runCli } from './helpers.js';
import { EXIT_CODES, EXIT_INTERNAL, EXIT_OUTPUT } from '../src/cli/errors.js';

const tmp = mkdtempSync(join(tmpdir(), 'iofair-errors-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const write = (name: string, text: string | Buffer) => {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
};

/** runCli without blocking this process's event loop (for a test that serves something). */
function runCliAsync(args: string[]): Promise<{ status: number | null; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stderr })));
}

/** Bytes a terminal would act on: C0 controls other than tab and newline, DEL, C1 controls. */
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

describe('exit codes', () => {
  it('every code is in --help and in the README, with the same meaning', () => {
    const help = runCli(['--help']).stdout + runCli(['analyze', '--help']).stdout;
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const [code, what] of EXIT_CODES) {
      expect(help).toMatch(new RegExp(`^\\s+${code}  ${what.replace(/[()+.?*[\]]/g, '\\$&')}$`, 'm'));
      expect(readme).toContain(`| ${code} | ${what} |`);
    }
  });

  it('70 and 74 are named once, in errors.ts: no bare exit numbers elsewhere in src/cli', () => {
    expect(EXIT_INTERNAL).toBe(70);
    expect(EXIT_OUTPUT).toBe(74);
    for (const f of readdirSync(join(ROOT, 'src/cli'))) {
      if (f === 'errors.ts') continue;
      const text = readFileSync(join(ROOT, 'src/cli', f), 'utf8');
      expect(text, f).not.toMatch(/exitCode\s*=\s*\d|process\.exit\(\s*[1-9]|new CliError\([^)]*,\s*\d/);
    }
  });

  it('a report that cannot be written (/dev/full) is one line on stderr and exit 74, no stack trace', () => {
    const full = openSync('/dev/full', 'w');
    try {
      for (const args of [['analyze', fixture('noisy-neighbor.csv')], ['analyze', '--json', fixture('noisy-neighbor.csv')], ['script', 'dtrace']]) {
        const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', full, 'pipe'], encoding: 'utf8' });
        expect(r.status).toBe(74);
        expect(r.stderr).toMatch(/^iofair: cannot write the report to stdout: .*ENOSPC.*\n$/);
      }
    } finally {
      closeSync(full);
    }
  });

  it('stderr closed early (2>&1 | head -c 20): exit 0, no unhandled EPIPE', () => {
    const bad = ['issue_ns,done_ns,zone,device,op,bytes'];
    for (let i = 0; i < 2000; i++) bad.push(`${i},x${i},z,d,R,1`);
    bad.push('0,10,z,d,R,1');
    const p = write('bad.csv', bad.join('\n') + '\n');
    const r = spawnSync('bash', ['-c', `node "${BIN}" analyze --policy none "${p}" 2>&1 | head -c 20; exit \${PIPESTATUS[0]}`], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stdout).toBe('iofair: '.concat(p).slice(0, 20));
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
  });

  it('stderr closed, stdout read: the report is still complete and the exit status 0', () => {
    const p = write('bad2.csv', 'issue_ns,done_ns,zone,device,op,bytes\n0,x,z,d,R,1\n0,10,z,d,R,1\n0,y,z,d,R,1\n');
    const r = spawnSync('bash', ['-c', `exec 2>&-; node "${BIN}" analyze --json --policy none "${p}"`], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).input.skipped).toBe(2);
  });
});

describe('inputs that cannot be read', () => {
  it('a file without read permission: exit 2 naming the file (run as an unprivileged user)', () => {
    const p = write('noperm.csv', readFileSync(fixture('noisy-neighbor.csv')));
    chmodSync(p, 0o000);
    let r;
    if (process.getuid?.() === 0) {
      // root reads anything: run the CLI as nobody (the tree must be readable to it)
      chmodSync(tmp, 0o755);
      r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, 'analyze', p], { cwd: ROOT, encoding: 'utf8' });
      if (r.error) return; // no setpriv here
    } else r = runCli(['analyze', p]);
    expect(r.stderr).toBe(`iofair: ${p}: permission denied\n`);
    expect(r.status).toBe(2);
  });

  it('a socket: exit 2 naming it', async () => {
    const sock = join(tmp, 'trace.sock');
    const server = createServer().listen(sock);
    await new Promise((r) => server.once('listening', r));
    try {
      const r = await runCliAsync(['analyze', sock]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^iofair: ${sock}: is a socket`));
    } finally {
      server.close();
    }
  });

  it('a read error (EIO): exit 3 naming the file, not an internal error', () => {
    // reading /proc/self/mem at offset 0 (unmapped) fails with EIO
    for (const env of [{}, { IOFAIR_PARSE_WORKER: '1' }]) {
      const r = runCli(['analyze', '/proc/self/mem'], { env });
      expect(r.status).toBe(3);
      expect(r.stderr).toMatch(/^iofair: \/proc\/self\/mem: cannot read after 0 bytes: .*EIO/);
    }
  });
});

describe('the message channel', () => {
  it('every stderr line is prefixed and sanitised: skip messages, --fail-on messages, file names', () => {
    const evil = '\x1b]52;c;ZXZpbA==\x07ev\x9bil\x7f';
    const p = write(`na\x1bme.csv`, `issue_ns,done_ns,zone,device,op,bytes\n0,${evil},z,d,R,1\n0,10,"${evil}",d,R,1\n0,20,"${evil}",d,R,1\n`);
    const r = runCli(['analyze', '--policy', 'none', '--fail-on', 'share>0.1', p]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--fail-on/);
    expect(r.stderr).toMatch(/line skipped/);
    expect(r.stderr).not.toMatch(RAW_CONTROL);
    for (const line of r.stderr.split('\n').filter((l) => l !== '')) expect(line).toMatch(/^iofair: /);
  });

  it('--quiet hides skipped lines but not the reason for a non-zero exit', () => {
    const p = write('q.csv', 'issue_ns,done_ns,zone,device,op,bytes\n0,x,z,d,R,1\n0,10,z,d,R,1\n');
    const r = runCli(['analyze', '--quiet', '--policy', 'none', '--fail-on', 'share>0.5', p]);
    expect(r.status).toBe(1);
    expect(r.stderr).not.toMatch(/skipped/);
    expect(r.stderr).toMatch(/^iofair: --fail-on: /m);
  });

  it("commander's own errors take the channel too (prefix, sanitised, exit 2)", () => {
    const r = runCli(['analyze', '--weights', 'a=x\x1b[2J', fixture('noisy-neighbor.csv')]);
    expect(r.status).toBe(2);
    expect(r.stderr).not.toMatch(RAW_CONTROL);
    for (const line of r.stderr.split('\n').filter((l) => l !== '')) expect(line).toMatch(/^iofair: /);
    const u = runCli(['analyze', '--no-such-option\x1b[2J']);
    expect(u.status).toBe(2);
    expect(u.stderr).toMatch(/^iofair: error: unknown option/m);
    expect(u.stderr).not.toMatch(RAW_CONTROL);
  });

  it('no process.stderr.write in src/cli outside the message module', () => {
    for (const f of readdirSync(join(ROOT, 'src/cli'))) {
      if (f === 'messages.ts') continue;
      expect(readFileSync(join(ROOT, 'src/cli', f), 'utf8'), f).not.toMatch(/process\.stderr\.write|console\.(log|error|warn)/);
    }
  });

  it('--json escapes DEL, C1 controls and bidi overrides from the trace, and stays valid JSON with the same values', () => {
    const zone = 'a\x7fb\x9b31mc\u202ed\x1b';
    const p = write('c1.csv', `issue_ns,done_ns,zone,device,op,bytes\n0,10,"${zone}",d\x9b,R,1\n`);
    for (const every of [[], ['--every', '1s']]) {
      const r = runCli(['analyze', '--json', '--policy', 'none', ...every, p]);
      expect(r.status).toBe(0);
      expect(r.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
      const last = r.stdout.trim().split('\n').length > 1 && every.length ? r.stdout.trim().split('\n').at(-1)! : r.stdout;
      const a = JSON.parse(last);
      expect(a.zones[0].zone).toBe(zone);
      expect(a.devices[0].device).toBe('d\x9b');
    }
  });
});
