import { describe, it, expect, afterAll } from 'vitest';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { BIN, ROOT, fixture, runCli } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'iofair-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const write = (name: string, text: string | Buffer) => {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
};

describe('iofair analyze (end to end)', () => {
  it('JSON report of the noisy-neighbour fixture matches the hand computation in its header', () => {
    const r = runCli(['analyze', '--format', 'json', fixture('noisy-neighbor.csv')]);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    const a = JSON.parse(r.stdout);
    expect(a.schema_version).toBe(1);
    const contract = ['schema_version', 'tool', 'input', 'devices', 'zones', 'fairness', 'policies', 'verdict', 'warnings'];
    for (const k of contract) expect(a).toHaveProperty(k);
    expect(a.policies.map((p: { policy: string }) => p.policy)).toEqual(['fifo', 'cap', 'throttle', 'fair']);
    for (const p of a.policies) {
      for (const k of ['policy', 'params', 'loop', 'throughput_loss', 'idle_while_waiting_s', 'makespan_s', 'jain', 'zones']) expect(p).toHaveProperty(k);
      for (const z of p.zones) for (const k of ['zone', 'ops_completed', 'latency_us', 'slowdown']) expect(z).toHaveProperty(k);
    }
    for (const part of ['capping', 'throttling']) {
      expect(typeof a.verdict[part].costs_performance).toBe('boolean');
      expect(typeof a.verdict[part].summary).toBe('string');
      expect(a.verdict[part]).toHaveProperty('throughput_loss');
    }
    expect(typeof a.verdict.recommendation).toBe('string');
    // the baseline reproduces the observation (FIFO-consistent fixture)
    const fifo = a.policies[0];
    expect(fifo.throughput_loss).toBe(0);
    expect(fifo.zones.find((z: { zone: string }) => z.zone === 'web').latency_us.mean).toBeCloseTo(42500, 6);
    expect(a.input).toMatchObject({ format: 'csv', fidelity: 'events', records: 10, skipped: 0, events_lost: 0, partial: false, duration_s: 0.1 });
    const z = Object.fromEntries(a.zones.map((x: { zone: string }) => [x.zone, x]));
    expect(z.batch.device_share).toBeCloseTo(0.8, 12);
    expect(z.batch.fair_share).toBeCloseTo(0.525, 12);
    expect(z.batch.deviation).toBeCloseTo(0.275, 12);
    expect(z.web.fair_share).toBeCloseTo(0.475, 12);
    expect(z.web.latency_us.mean).toBeCloseTo(42500, 6);
    expect(z.batch.latency_us.mean).toBeCloseTo(30000, 6);
    expect(z.batch.ops).toBe(8);
    expect(z.batch.write_ops).toBe(8);
    expect(z.web.bytes).toBe(8192);
    for (const k of ['zone', 'weight', 'ops', 'read_ops', 'write_ops', 'bytes', 'iops', 'bytes_per_s', 'latency_us', 'device_time_s', 'device_share', 'fair_share', 'deviation'])
      expect(z.web).toHaveProperty(k);
    expect(a.devices[0]).toMatchObject({ device: 'sd0', ops: 10, busy_s: 0.1, utilization: 1 });
    expect(a.devices[0].capacity_iops).toEqual({ min: 100, p50: 100, max: 100 });
    expect(a.fairness.jain).toBeCloseTo(0.7567, 3);
  });

  it('the weighted fixture (weight column, ms/us units) gives 12.5 % / 87.5 % fair shares', () => {
    const a = JSON.parse(runCli(['analyze', '--json', fixture('weighted.csv')]).stdout);
    const z = Object.fromEntries(a.zones.map((x: { zone: string }) => [x.zone, x]));
    expect(z.a.weight).toBe(1);
    expect(z.b.weight).toBe(3);
    expect(z.a.fair_share).toBeCloseTo(0.125, 12);
    expect(z.b.fair_share).toBeCloseTo(0.875, 12);
    expect(z.a.deviation).toBeCloseTo(0.375, 12);
  });

  it('--weights overrides the column, --weights-file reads JSON and CSV', () => {
    const viaFlag = JSON.parse(runCli(['analyze', '--json', '--weights', 'a=3,b=1', fixture('weighted.csv')]).stdout);
    // now a:b = 3:1 while both backlogged 0..20 ms: a 15, b 5; b alone 20..40: b 20 → a 15/40, b 25/40
    expect(viaFlag.zones.find((z: { zone: string }) => z.zone === 'a').fair_share).toBeCloseTo(15 / 40, 12);
    const json = write('w.json', '{"batch": 3, "web": 1}');
    const csv = write('w.csv', 'zone,weight\nbatch,3\nweb,1\n');
    const a1 = JSON.parse(runCli(['analyze', '--json', '--weights-file', json, fixture('noisy-neighbor.csv')]).stdout);
    const a2 = JSON.parse(runCli(['analyze', '--json', '--weights-file', csv, fixture('noisy-neighbor.csv')]).stdout);
    // hand: 0..5 batch 5; 5..50 both 3:1 → batch 33.75, web 11.25; 50..60 batch 10; 60..90 batch 22.5 web 7.5; 90..100 web 10
    const batch = (5 + 33.75 + 10 + 22.5) / 100;
    expect(a1.zones.find((z: { zone: string }) => z.zone === 'batch').fair_share).toBeCloseTo(batch, 12);
    expect(a2.zones).toEqual(a1.zones);
  });

  it('out-of-order and gzip inputs give the same zones as the plain fixture', () => {
    const base = JSON.parse(runCli(['analyze', '--json', fixture('noisy-neighbor.csv')]).stdout).zones;
    expect(JSON.parse(runCli(['analyze', '--json', fixture('out-of-order.csv')]).stdout).zones).toEqual(base);
    expect(JSON.parse(runCli(['analyze', '--json', fixture('noisy-neighbor.csv.gz')]).stdout).zones).toEqual(base);
  });

  it('reads stdin with - and when piped with no file; BOM is accepted', () => {
    const text = '\uFEFF' + readFileSync(fixture('noisy-neighbor.csv'), 'utf8');
    const a = JSON.parse(runCli(['analyze', '--json', '-'], { input: text }).stdout);
    expect(a.input.records).toBe(10);
    expect(a.input.sources).toEqual(['-']);
    const gz = readFileSync(fixture('noisy-neighbor.csv.gz'));
    expect(JSON.parse(runCli(['analyze', '--json'], { input: gz }).stdout).input.records).toBe(10);
  });

  it('bad lines are skipped, counted, shown on stderr with file:line; --strict makes the first fatal', () => {
    const r = runCli(['analyze', '--json', fixture('bad-lines.csv')]);
    expect(r.status).toBe(0);
    const a = JSON.parse(r.stdout);
    expect(a.input.skipped).toBe(7);
    expect(a.input.skipped_by_reason).toEqual({ BAD_OP: 1, DONE_BEFORE_ISSUE: 1, EMPTY_FIELD: 1, FIELD_COUNT: 1, NEGATIVE: 1, NOT_A_NUMBER: 1, TRUNCATED: 1 });
    expect(a.input.records).toBe(4);
    expect(r.stderr).toMatch(/bad-lines\.csv:3: op 'X' is not a read or a write/);
    expect(r.stderr).toMatch(/2 more bad line\(s\) skipped/);
    const s = runCli(['analyze', '--strict', fixture('bad-lines.csv')]);
    expect(s.status).toBe(3);
    expect(s.stdout).toBe('');
    expect(s.stderr).toMatch(/bad-lines\.csv:3: .*--strict/);
  });

  it('exit codes: missing file 2, empty 3, binary 3, no valid record 3, bad option 2', () => {
    const missing = runCli(['analyze', join(tmp, 'nope.csv')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/nope\.csv: no such file/);
    const empty = runCli(['analyze', write('empty.csv', '')]);
    expect(empty.status).toBe(3);
    expect(empty.stderr).toMatch(/empty\.csv: is empty/);
    const bin = runCli(['analyze', write('bin.dat', Buffer.from(Array.from({ length: 4000 }, (_, i) => (i * 7919) % 256)))]);
    expect(bin.status).toBe(3);
    expect(bin.stderr).toMatch(/bin\.dat: (binary data|unknown input format)/);
    expect(bin.stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace
    const none = runCli(['analyze', write('none.csv', 'issue_ns,done_ns,zone,device,op,bytes\n1,0,a,d,R,1\n')]);
    expect(none.status).toBe(3);
    expect(none.stderr).toMatch(/no valid record \(1 line\(s\) skipped/);
    const bad = runCli(['analyze', '--format', 'yaml', fixture('noisy-neighbor.csv')]);
    expect(bad.status).toBe(2);
    const unknown = runCli(['analyze', write('prose.txt', 'hello world\nthis is not a trace\n')]);
    expect(unknown.status).toBe(3);
    expect(unknown.stderr).toMatch(/unknown input format; tried csv/);
  });

  it('zone names are untrusted: __proto__ survives, control characters never reach the terminal raw', () => {
    const p = write('evil.csv', 'issue_ns,done_ns,zone,device,op,bytes\n0,10,__proto__,d,R,1\n0,20,constructor,d,R,1\n0,30,"\x1b]52;c;ZXZpbA==\x07evil",d,R,1\n');
    const t = runCli(['analyze', p], { env: { FORCE_COLOR: '0' } });
    expect(t.status).toBe(0);
    expect(t.stdout).toContain('__proto__');
    expect(t.stdout).toContain('constructor');
    expect(t.stdout).not.toContain('\x1b]52');
    expect(t.stdout).not.toContain('\x07');
    expect(t.stdout).toContain('\\x1b]52;c;ZXZpbA==\\x07evil');
    const j = JSON.parse(runCli(['analyze', '--json', p]).stdout);
    expect(j.zones.map((z: { zone: string }) => z.zone)).toContain('__proto__');
  });

  it('colour follows --no-color, NO_COLOR and FORCE_COLOR; never in JSON', () => {
    const f = fixture('noisy-neighbor.csv');
    expect(runCli(['analyze', f], { env: { FORCE_COLOR: '1' } }).stdout).toMatch(/\x1b\[/);
    expect(runCli(['analyze', '--no-color', f], { env: { FORCE_COLOR: '1' } }).stdout).not.toMatch(/\x1b\[/);
    expect(runCli(['analyze', f], { env: { NO_COLOR: '1' } }).stdout).not.toMatch(/\x1b\[/);
    expect(runCli(['analyze', f]).stdout).not.toMatch(/\x1b\[/); // not a TTY
    expect(runCli(['analyze', '--json', f], { env: { FORCE_COLOR: '3' } }).stdout).not.toMatch(/\x1b\[/);
  });

  it('| head exits quietly', () => {
    const big = ['issue_ns,done_ns,zone,device,op,bytes'];
    for (let i = 0; i < 3000; i++) big.push(`${i * 1000},${i * 1000 + 500},zone${i},d,R,1`);
    const p = write('big.csv', big.join('\n') + '\n');
    const r = spawnSync('sh', ['-c', `node "${BIN}" analyze --json --policy none "${p}" | head -1`], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stdout).toBe('{\n');
    expect(r.stderr).toBe('');
  });

  it('a file given without the analyze command gets a hint, exit 2', () => {
    const r = runCli([fixture('noisy-neighbor.csv')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/did you mean: iofair analyze .*noisy-neighbor\.csv/);
  });

  it('a TMPDIR the replay cannot write to is named with the remedy, exit 2 (no stack trace); --policy none needs none', () => {
    // story.csv: a binding cap queues more IO than the replay keeps in memory, so it spills
    const env = { TMPDIR: join(tmp, 'no-such-dir') };
    const r = runCli(['analyze', fixture('story.csv')], { env });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^iofair: cannot write the replay's temporary file in .*no-such-dir \(ENOENT\): set TMPDIR .* --policy none\n$/);
    expect(runCli(['analyze', '--policy', 'none', fixture('story.csv')], { env }).status).toBe(0);
  });

  it('--help has examples; --version prints the version', () => {
    const h = runCli(['analyze', '--help']);
    expect(h.status).toBe(0);
    expect(h.stdout).toMatch(/Examples:/);
    expect(runCli(['--version']).stdout.trim()).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
  });
});

describe('done-when: a generated single-server FIFO trace, through the CLI', () => {
  it('ops, bytes, exact percentiles (1.5 %), device share and GPS fair share (0.005) match an independent computation', async () => {
    const { fifoDevice, rng, exactQuantile } = await import('./helpers.js');
    const r = rng(2024);
    const zones = ['db', 'web', 'batch'];
    const w: Record<string, number> = { db: 2, web: 1, batch: 1 };
    const ios = fifoDevice(
      Array.from({ length: 3000 }, () => {
        const zone = zones[Math.floor(r() * 3)];
        return {
          zone,
          device: 'sd0',
          op: (r() < 0.4 ? 'W' : 'R') as 'R' | 'W',
          bytes: zone === 'batch' ? 131072 : 4096,
          issue: Math.floor(r() * 5e9), // relative; written below as epoch ns beyond 2^53
          service: zone === 'batch' ? 300_000 : 1_000_000 + Math.floor(r() * 4_000_000),
        };
      }),
    );
    const base = 1_732_550_400_000_000_000n;
    const text =
      'issue_ns,done_ns,zone,device,op,bytes\n' +
      ios.map((i) => `${base + BigInt(i.issue)},${base + BigInt(i.done)},${i.zone},${i.device},${i.op},${i.bytes}`).join('\n') +
      '\n';
    const p = write('fifo.csv', text);
    const a = JSON.parse(runCli(['analyze', '--json', '--policy', 'none', '--weights', 'db=2', p]).stdout);
    // independent GPS: slice time at every issue/done point, share each busy slice by weight
    const pts = [...new Set(ios.flatMap((i) => [i.issue, i.done]))].sort((x, y) => x - y);
    const fair = new Map<string, number>();
    let busy = 0;
    for (let k = 0; k + 1 < pts.length; k++) {
      const mid = (pts[k] + pts[k + 1]) / 2;
      const back = new Set(ios.filter((i) => i.issue <= mid && mid < i.done).map((i) => i.zone));
      if (!back.size) continue;
      busy += pts[k + 1] - pts[k];
      const sw = [...back].reduce((s, z) => s + w[z], 0);
      for (const z of back) fair.set(z, (fair.get(z) ?? 0) + ((pts[k + 1] - pts[k]) * w[z]) / sw);
    }
    for (const z of a.zones) {
      const mine = ios.filter((i) => i.zone === z.zone);
      expect(z.ops).toBe(mine.length);
      expect(z.bytes).toBe(mine.reduce((s, i) => s + i.bytes, 0));
      expect(z.write_ops).toBe(mine.filter((i) => i.op === 'W').length);
      const lat = mine.map((i) => (i.done - i.issue) / 1000);
      for (const [k, q] of [['p50', 0.5], ['p90', 0.9], ['p99', 0.99]] as const)
        expect(Math.abs(z.latency_us[k] - exactQuantile(lat, q)) / exactQuantile(lat, q)).toBeLessThan(0.015);
      expect(z.device_share).toBeCloseTo(mine.reduce((s, i) => s + i.service, 0) / busy, 9);
      expect(Math.abs(z.fair_share - fair.get(z.zone)! / busy)).toBeLessThan(0.005);
    }
    expect(a.input.start_s).toBeCloseTo(Number(base / 1_000_000_000n) + Math.min(...ios.map((i) => i.issue)) / 1e9, 6);
  });
});
