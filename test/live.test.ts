import { describe, it, expect, onTestFinished } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIN, ROOT } from './helpers.js';

const PRODUCER = fileURLToPath(new URL('./support/producer.mjs', import.meta.url));

/**
 * `producer | iofair analyze --json -` in its own process group, like a shell pipeline at a
 * terminal; Ctrl-C is SIGINT to the whole group. The wrapping shell traps INT so it survives and
 * reports iofair's exit status.
 */
function pipeline(extra: string[], env: Record<string, string> = {}, signals = 1) {
  return new Promise<{ code: number | null; stdout: string; stderr: string; exitMs: number }>((resolve) => {
    // the subshell says when iofair itself exited (the shell also waits for the producer)
    const cmd = `trap 'true' INT; node "${PRODUCER}" 100 50 | (trap 'true' INT; node "${BIN}" analyze --json ${extra.join(' ')} -; s=$?; echo exited >&2; exit $s); exit $?`;
    let sigintAt = 0;
    let exitMs = -1;
    const child = spawn('sh', ['-c', cmd], { cwd: ROOT, detached: true, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      if (String(d).includes('exited')) exitMs = Date.now() - sigintAt;
      if (String(d).includes('ready')) {
        // iofair is reading (see producer.mjs); give it a moment to parse the first batch, then
        // Ctrl-C the group
        setTimeout(() => {
          sigintAt = Date.now();
          process.kill(-child.pid!, 'SIGINT');
          if (signals > 1) setTimeout(() => process.kill(-child.pid!, 'SIGINT'), 300);
        }, 300);
      }
    });
    child.on('close', (code) => resolve({ code, stdout, stderr, exitMs }));
  });
}

// CSV on stdin is parsed on a worker thread that reads the descriptor itself; =0 keeps it on the
// main thread, which reads the descriptor too
describe.each([
  ['a worker thread', {}],
  ['the main thread', { IOFAIR_PARSE_WORKER: '0' }],
])('live piping and Ctrl-C, parsed on %s', (_, env: Record<string, string>) => {
  it('first Ctrl-C: keeps reading what the producer flushes after its own SIGINT, then reports it all', async () => {
    const r = await pipeline([], env);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/interrupted — reading what the producer still flushes/);
    const a = JSON.parse(r.stdout);
    expect(a.input.records).toBe(150); // 100 before + 50 flushed after SIGINT
    expect(a.input.partial).toBe(false);
  }, 30000);

  it('a producer that never closes the pipe: the drain timeout reports what was read, partial', async () => {
    const r = await pipeline(['--drain-timeout', '700ms'], { ...env, HANG: '1' });
    expect(r.code).toBe(0);
    // at the timeout, not when the producer finally closes the pipe 4 s after Ctrl-C: the pending
    // read of stdin must not keep iofair alive
    expect(r.exitMs).toBeGreaterThan(600);
    expect(r.exitMs).toBeLessThan(3500);
    const a = JSON.parse(r.stdout);
    expect(a.input.records).toBe(150);
    expect(a.input.partial).toBe(true);
    expect(r.stderr).toMatch(/did not close the pipe in time/);
  }, 30000);

  it('a second Ctrl-C aborts with 130 and no report', async () => {
    const r = await pipeline(['--drain-timeout', '20s'], { ...env, HANG: '1' }, 2);
    expect(r.code).toBe(130);
    expect(r.stdout).toBe('');
  }, 30000);
});

describe('Ctrl-C on a named pipe and on <(…)', () => {
  /** A named pipe fed by a producer outside iofair's process group (Ctrl-C does not reach it). */
  function namedPipe(extra: string[], signals: number) {
    const dir = mkdtempSync(join(tmpdir(), 'iofair-fifo-'));
    const fifo = join(dir, 'trace.csv');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const producer = spawn('sh', ['-c', `exec node "${PRODUCER}" 100 50 > "${fifo}"`], { stdio: ['ignore', 'ignore', 'pipe'] });
    onTestFinished(() => {
      producer.kill();
      rmSync(dir, { recursive: true, force: true });
    });
    const child = spawn(process.execPath, [BIN, 'analyze', '--json', ...extra, fifo], { cwd: ROOT, detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    producer.stderr.on('data', (d) => {
      if (!String(d).includes('ready')) return;
      setTimeout(() => {
        process.kill(child.pid!, 'SIGINT');
        if (signals > 1) setTimeout(() => process.kill(child.pid!, 'SIGINT'), 300);
      }, 300);
    });
    return new Promise<{ code: number | null; stdout: string; stderr: string; producerRunning: boolean }>((resolve) =>
      child.on('close', (code) => resolve({ code, stdout, stderr, producerRunning: producer.exitCode === null && producer.signalCode === null })),
    );
  }

  it('a producer that never closes it: the drain timeout reports what was read, partial, while the producer still runs', async () => {
    const r = await namedPipe(['--drain-timeout', '500ms'], 1);
    expect(r.code).toBe(0);
    expect(r.producerRunning).toBe(true);
    const a = JSON.parse(r.stdout);
    expect(a.input.records).toBe(100);
    expect(a.input.partial).toBe(true);
    expect(r.stderr).toMatch(/did not close the pipe in time/);
  }, 30000);

  it('a second Ctrl-C aborts with 130 while the producer still runs', async () => {
    const r = await namedPipe(['--drain-timeout', '20s'], 2);
    expect(r.code).toBe(130);
    expect(r.stdout).toBe('');
    expect(r.producerRunning).toBe(true);
  }, 30000);

  it('<(producer): Ctrl-C to the whole job, the producer flushes its last records, all are reported', async () => {
    const cmd = `trap 'true' INT; node "${BIN}" analyze --json <(node "${PRODUCER}" 100 50)`;
    const child = spawn('bash', ['-c', cmd], { cwd: ROOT, detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      if (String(d).includes('ready')) setTimeout(() => process.kill(-child.pid!, 'SIGINT'), 300);
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(stderr).toMatch(/interrupted — reading what the producer still flushes/);
    const a = JSON.parse(stdout);
    expect(a.input.records).toBe(150);
    expect(a.input.partial).toBe(false);
  }, 30000);
});

describe('Ctrl-C during the replay', () => {
  it('ends the process at once (the replay cannot stop to report), leaving no temp file behind', async () => {
    const { mkdtempSync, rmSync, readdirSync: ls } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { writeTraceFile } = await import('../scripts/gen-trace.mjs');
    const dir = mkdtempSync(join(tmpdir(), 'iofair-replay-int-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const trace = join(dir, 't.csv');
    writeTraceFile(trace, 400_000); // the default cap binds: the replay spills queued IO to TMPDIR
    const work = join(dir, 'tmp');
    (await import('node:fs')).mkdirSync(work);
    const child = spawn(process.execPath, [BIN, 'analyze', '--json', trace], { cwd: ROOT, env: { ...process.env, TMPDIR: work } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const exited = new Promise<[number | null, string | null]>((r) => child.on('exit', (code, sig) => r([code, sig])));
    // reading: SIGINT caught (bit 1 of SigCgt); replaying: no longer caught
    const caught = () => {
      const m = /^SigCgt:\s+([0-9a-f]+)$/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      return m !== null && (BigInt('0x' + m[1]) & 2n) !== 0n;
    };
    let seen = false;
    let replaying = false;
    for (let i = 0; i < 3000 && !replaying; i++) {
      try {
        if (caught()) seen = true;
        else if (seen) replaying = true;
      } catch {
        break; // exited already
      }
      if (!replaying) await new Promise((r) => setTimeout(r, 5));
    }
    expect(replaying).toBe(true);
    const t0 = Date.now();
    child.kill('SIGINT');
    const [code, sig] = await exited;
    expect(sig).toBe('SIGINT');
    expect(code).toBeNull();
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(out).toBe('');
    expect(ls(work)).toEqual([]); // the spool and spill files were unlinked when opened
  }, 60_000);
});

describe('--every', () => {
  it('prints one JSON object per line per interval while reading, then the final report', async () => {
    const { spawnSync } = await import('node:child_process');
    const cmd = `(echo issue_ns,done_ns,zone,device,op,bytes; for i in 1 2 3; do echo "$i"000000,"$i"500000,z$i,sd0,R,4096; sleep 1; done) | node "${BIN}" analyze --json --every 200ms --reorder-window 0 -`;
    const r = spawnSync('sh', ['-c', cmd], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.length).toBeGreaterThanOrEqual(2); // at least one live report, then the final one
    const counts = lines.map((a) => a.input.records);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(lines.at(-1).input.records).toBe(3);
    // records reach the live reports as they arrive, not when a parse batch fills up
    expect(counts).toContain(1);
    expect(counts).toContain(2);
    expect(lines.at(-1).input.partial).toBe(false);
    expect(lines[0].input.partial).toBe(true);
  }, 30000);
});

describe('progress', () => {
  it('shows on a terminal for a pipe, erased at the end; never when stderr is not a TTY or with --quiet', async () => {
    const { spawnSync } = await import('node:child_process');
    const hasScript = spawnSync('sh', ['-c', 'command -v script']).status === 0;
    const lines = ['issue_ns,done_ns,zone,device,op,bytes'];
    for (let i = 0; i < 200000; i++) lines.push(`${i * 1000},${i * 1000 + 500},z${i % 5},sd0,R,4096`);
    const { writeFileSync, mkdtempSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'iofair-prog-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const f = join(dir, 't.csv');
    writeFileSync(f, lines.join('\n') + '\n');
    const plain = spawnSync('sh', ['-c', `cat "${f}" | node "${BIN}" analyze --policy none - > /dev/null`], { cwd: ROOT, encoding: 'utf8' });
    expect(plain.stderr).toBe('');
    if (!hasScript) return;
    const tty = spawnSync('script', ['-qc', `cat "${f}" | node "${BIN}" analyze --policy none - > /dev/null`, '/dev/null'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, CI: '' },
    });
    expect(tty.stdout).toMatch(/iofair: .* records, .*\/s/);
    expect(tty.stdout).toMatch(/\r\x1b\[2K$/); // erased at the end
    const quiet = spawnSync('script', ['-qc', `cat "${f}" | node "${BIN}" analyze -q --policy none - > /dev/null`, '/dev/null'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, CI: '' },
    });
    expect(quiet.stdout).not.toMatch(/records/);
  }, 60000);
});
