// `iofair analyze --json` end to end on a fixture of each Linux tracer (the numbers are the
// fixtures' hand computations, see the parser tests and fixtures/README.md).
import { describe, it, expect } from 'vitest';
import { fixture, runCli } from './helpers.js';

interface Zone {
  zone: string;
  kind: string;
  ops: number;
  read_ops: number;
  write_ops: number;
  bytes: number;
  latency_us: { mean: number; max: number };
  device_share: number | null;
}

function analyze(file: string, ...flags: string[]) {
  const r = runCli(['analyze', '--json', ...flags, fixture(`linux/${file}`)]);
  expect(r.status).toBe(0);
  const a = JSON.parse(r.stdout);
  const z: Record<string, Zone> = Object.fromEntries(a.zones.map((x: Zone) => [x.zone, x]));
  return { a, z, stderr: r.stderr };
}

describe('iofair analyze on Linux per-IO traces', () => {
  it('bcc biosnoop: reads and writes split by T, kernel and unknown zones not ranked', () => {
    const { a, z, stderr } = analyze('biosnoop-bcc.txt');
    expect(a.input).toMatchObject({ format: 'biosnoop', platform: 'linux', fidelity: 'events', records: 8, skipped: 3, events_lost: 3 });
    expect(a.input.skipped_by_reason).toEqual({ BAD_OP: 1, BAD_ROW: 1, TRUNCATED: 1 });
    expect(stderr).toMatch(/biosnoop-bcc\.txt:11: .*found "X"; line skipped/);
    expect(z.postgres).toMatchObject({ kind: 'tenant', ops: 2, read_ops: 2, write_ops: 0, bytes: 16384 });
    expect(z.postgres.latency_us.mean).toBeCloseTo(750, 6); // (500 + 1000) / 2 µs
    expect(z.nginx).toMatchObject({ ops: 2, read_ops: 0, write_ops: 2, bytes: 4096 + 1048576 });
    expect(z.nginx.latency_us.max).toBeCloseTo(1234560, -1); // the glued row's 1234.56 ms (histogram ≤ 0.4 %)
    expect(z.kernel).toMatchObject({ kind: 'kernel', ops: 2, write_ops: 2, bytes: 65536 + 12288 });
    expect(z.unknown).toMatchObject({ kind: 'unknown', ops: 1 });
    // the verdict and the policies' extremes never name a zone that is not a tenant
    const text = [a.verdict.capping.summary, a.verdict.throttling.summary, a.verdict.recommendation].join(' ');
    expect(text).not.toMatch(/kernel's|unknown's/);
    expect(a.warnings.some((w: string) => /zone 'kernel' is IO no tenant was charged for/.test(w))).toBe(true);
  });

  it('libbpf-tools biosnoop -Q -t: wall clock across midnight, queue time beside device time', () => {
    const { a, z } = analyze('biosnoop-libbpf-Qt.txt', '--policy', 'none');
    expect(a.input.duration_s).toBeCloseTo(1.5 + 0.0105, 9); // 23:59:59.9895 → 00:00:01.500 next day
    expect(z['redis-server']).toMatchObject({ ops: 3, read_ops: 1, write_ops: 2, bytes: 16384 });
    expect(a.warnings.some((w: string) => /QUE\(ms\).*redis-server mean 0.06 ms/.test(w))).toBe(true);
  });

  it('bpftrace biosnoop.bt: IOPS and latency only, said', () => {
    const { a, z } = analyze('biosnoop-bt-2025.txt', '--policy', 'none');
    expect(a.input).toMatchObject({ format: 'biosnoop-bt', platform: 'linux', records: 4 });
    expect(z.cksum).toMatchObject({ ops: 2, bytes: 0 });
    expect(a.devices.map((d: { device: string }) => d.device).sort()).toEqual(['259:0', '8:16']);
    expect(a.warnings.some((w: string) => /neither the operation nor the size/.test(w))).toBe(true);
  });

  it('perf-tools iosnoop -ts and the default layout (histograms)', () => {
    const ts = analyze('perf-iosnoop-ts.txt', '--policy', 'none');
    expect(ts.a.input).toMatchObject({ format: 'perf-iosnoop', records: 5, skipped: 1, events_lost: 3 });
    expect(ts.z.randread.latency_us.mean).toBeCloseTo((160 + 20030) / 2, 0);
    const d = analyze('perf-iosnoop-default.txt');
    expect(d.a.input).toMatchObject({ format: 'perf-iosnoop-counts', fidelity: 'histograms', records: 7 });
    expect(d.z.tar).toMatchObject({ ops: 2, read_ops: 2 });
    expect(d.z.kernel).toMatchObject({ kind: 'kernel', ops: 2 });
  });

  it('blkparse: ten IOs paired from Q/D/C', () => {
    const { a, z } = analyze('blkparse.txt', '--policy', 'none');
    expect(a.input).toMatchObject({ format: 'blkparse', platform: 'linux', records: 10, skipped: 1 });
    expect(z.dd).toMatchObject({ ops: 2, write_ops: 2, bytes: 524288 });
    expect(z.nginx).toMatchObject({ ops: 1, bytes: 8192 });
    expect(z.etcd).toMatchObject({ ops: 1, write_ops: 1, bytes: 0 }); // the flush
  });

  it("iofair's bpftrace script output: zones are cgroups; --zone-from comm names processes", () => {
    const { a, z } = analyze('iofair-bpftrace.txt', '--policy', 'none');
    expect(a.input).toMatchObject({ format: 'iofair-bpftrace', platform: 'linux', records: 7, skipped: 3, events_lost: 2 });
    expect(z['nginx.service']).toMatchObject({ kind: 'tenant', ops: 1, bytes: 4096 });
    expect(z['pod 0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b/3b8f1e2d4c5a']).toMatchObject({ ops: 2, read_ops: 2, bytes: 32768 });
    expect(z.kernel).toMatchObject({ kind: 'kernel', ops: 2 });
    const c = analyze('iofair-bpftrace.txt', '--policy', 'none', '--zone-from', 'comm');
    expect(Object.keys(c.z).sort()).toEqual(['etcd', 'fstrim', 'kernel', 'nginx', 'postgres', 'short lived']);
  });

  it('iofair script bpftrace prints the program', () => {
    const r = runCli(['script', 'bpftrace']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^#!\/usr\/bin\/env bpftrace/);
    expect(r.stdout).toMatch(/tracepoint:block:block_rq_complete/);
    expect(runCli(['script', '--help']).stdout).toMatch(/bpftrace +bpftrace program: one line per block IO with its cgroup/);
  });
});
