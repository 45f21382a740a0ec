import { describe, it, expect } from 'vitest';
import { tenantName, isKernelThread, LinuxTenants, KERNEL_ZONE } from '../src/parsers/linux-tenant.js';
import { RecordingSink } from './dtrace-helpers.js';
import { Analyzer } from '../src/core/analyze.js';
import type { ReplayStore } from '../src/core/replay/types.js';

const POD = '0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b';
const POD_SD = POD.replace(/-/g, '_');
const CTR = '3b8f1e2d4c5a69788a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f60718293a4b5';

describe('tenantName: cgroup paths as operators name them', () => {
  const table: [string, string][] = [
    // systemd units
    ['/system.slice/nginx.service', 'nginx.service'],
    ['/system.slice/system-getty.slice/getty@tty1.service', 'getty@tty1.service'],
    ['/user.slice/user-1000.slice/session-3.scope', 'session-3.scope'],
    ['/user.slice/user-1000.slice', 'user-1000.slice'],
    ['/init.scope', 'init.scope'],
    ['/system.slice/foo\\x2dbar.service', 'foo-bar.service'],
    ['/system.slice/postgresql.service/workers', 'postgresql.service/workers'],
    // docker, systemd and cgroupfs drivers
    [`/system.slice/docker-${CTR}.scope`, `docker:${CTR.slice(0, 12)}`],
    [`/docker/${CTR}`, `docker:${CTR.slice(0, 12)}`],
    // podman
    [`/machine.slice/libpod-${CTR}.scope`, `podman:${CTR.slice(0, 12)}`],
    [`/machine.slice/libpod-${CTR}.scope/container`, `podman:${CTR.slice(0, 12)}/container`],
    [`/machine.slice/libpod-conmon-${CTR}.scope`, `podman-conmon:${CTR.slice(0, 12)}`],
    // Kubernetes, systemd driver: containerd, CRI-O, the pod cgroup itself, Guaranteed QoS
    [
      `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${POD_SD}.slice/cri-containerd-${CTR}.scope`,
      `pod ${POD}/${CTR.slice(0, 12)}`,
    ],
    [`/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${POD_SD}.slice/crio-${CTR}.scope`, `pod ${POD}/${CTR.slice(0, 12)}`],
    [`/kubepods.slice/kubepods-pod${POD_SD}.slice/crio-conmon-${CTR}.scope`, `pod ${POD}/${CTR.slice(0, 12)}`],
    [`/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${POD_SD}.slice`, `pod ${POD}`],
    // Kubernetes, cgroupfs driver: containerd (bare id), CRI-O, Guaranteed directly under kubepods
    [`/kubepods/burstable/pod${POD}/${CTR}`, `pod ${POD}/${CTR.slice(0, 12)}`],
    [`/kubepods/besteffort/pod${POD}/crio-${CTR}`, `pod ${POD}/${CTR.slice(0, 12)}`],
    [`/kubepods/pod${POD}/${CTR}`, `pod ${POD}/${CTR.slice(0, 12)}`],
    // CRI-O outside Kubernetes, machines, LXC
    [`/system.slice/crio-${CTR}.scope`, `crio:${CTR.slice(0, 12)}`],
    ['/machine.slice/machine-qemu\\x2d1\\x2dwin10.scope', 'machine:qemu-1-win10'],
    ['/lxc.payload.web1', 'lxc:web1'],
    ['/lxc/web1', 'lxc:web1'],
    // the root, and anything else as the path
    ['/', '/'],
    ['', '/'],
    ['/batch/job42', '/batch/job42'],
    ['tenants/a', '/tenants/a'],
  ];
  it.each(table)('%s → %s', (path, name) => {
    expect(tenantName(path)).toBe(name);
  });
});

describe('kernel threads', () => {
  it.each([
    'kworker/u16:2',
    'kworker/0:1H',
    'jbd2/nvme0n1p1-8',
    'xfsaild/md0',
    'kswapd0',
    'ksoftirqd/3',
    'kcompactd0',
    'flush-8:0',
    'flush:16-1279', // as perf-tools iosnoop prints flush-202:16
    'md0_raid1',
    'md127_raid5',
    'dmcrypt_write/2',
    'loop0',
    'btrfs-transacti',
  ])('%s is a kernel thread', (comm) => expect(isKernelThread(comm)).toBe(true));
  it.each(['postgres', 'nginx', 'loopback-agent', 'kworkers', 'jbd2', 'md', 'flushd', 'Web Content', 'dd'])(
    '%s is not',
    (comm) => expect(isKernelThread(comm)).toBe(false),
  );
});

describe('LinuxTenants', () => {
  it('groups kernel threads and unknown issuers, declares their kinds once, and names the rest by COMM or PID', () => {
    const sink = new RecordingSink();
    const kinds: [string, string][] = [];
    sink.zoneKind = (z, k) => kinds.push([z, k]);
    const t = new LinuxTenants(sink, undefined, { tool: 'x', hasCgroup: false, hasPid: true });
    expect(t.mode).toBe('comm');
    expect([t.zoneOf('postgres', '12'), t.zoneOf('kworker/1:1', '3'), t.zoneOf('jbd2/sda1-8', '4'), t.zoneOf('?', '0')]).toEqual([
      'postgres',
      KERNEL_ZONE,
      KERNEL_ZONE,
      'unknown',
    ]);
    expect(kinds).toEqual([
      ['kernel', 'kernel'],
      ['unknown', 'unknown'],
    ]);
    expect(sink.warnings[0]).toMatch(/not a tenant.*COMM.*iofair script bpftrace/);
    const p = new LinuxTenants(new RecordingSink(), 'pid', { tool: 'x', hasCgroup: false, hasPid: true });
    expect([p.zoneOf('postgres', '12'), p.zoneOf('kworker/1:1', '3')]).toEqual(['12', KERNEL_ZONE]);
  });

  it('falls back to comm when the trace lacks what --zone-from asks, and says so', () => {
    const sink = new RecordingSink();
    const t = new LinuxTenants(sink, 'cgroup', { tool: 'bcc biosnoop', hasCgroup: false, hasPid: true });
    expect(t.mode).toBe('comm');
    expect(sink.warnings[0]).toMatch(/--zone-from cgroup: bcc biosnoop output has no cgroup; using comm/);
    const s2 = new RecordingSink();
    expect(new LinuxTenants(s2, 'mount', { tool: 'y', hasCgroup: false, hasPid: true }).mode).toBe('comm');
    expect(s2.warnings[0]).toMatch(/--zone-from mount is not one of comm\|pid\|cgroup/);
  });

  it('by cgroup: the root cgroup and no cgroup are kernel', () => {
    const sink = new RecordingSink();
    const t = new LinuxTenants(sink, undefined, { tool: 'x', hasCgroup: true, hasPid: true });
    expect(t.mode).toBe('cgroup');
    expect([t.zoneOf('kworker/0:1', '9', '/system.slice/nginx.service'), t.zoneOf('nginx', '9', '/'), t.zoneOf('etcd', '9', '')]).toEqual([
      'nginx.service',
      KERNEL_ZONE,
      KERNEL_ZONE,
    ]);
    t.finish();
    expect(sink.warnings.some((w) => /2 IO\(s\) charged to the root cgroup or to no cgroup/.test(w))).toBe(true);
  });
});

describe('zones that are not tenants in the analysis', () => {
  const nullStore: ReplayStore = {
    append() {},
    blocks: () => [][Symbol.iterator](),
    count: 0,
  } as unknown as ReplayStore;

  it('are marked, left out of the fairness index, and their share is said', () => {
    const a = new Analyzer({ toolVersion: 't', weightOf: () => undefined, reorderWindowNs: 2e9, store: nullStore, replay: null, capSpec: 'auto' });
    // one device, serial: a 10 ms then b 10 ms then kernel 20 ms, all issued at 0
    a.io('a', 'd', 'R', 4096, 0, 10e6);
    a.io('b', 'd', 'R', 4096, 0, 20e6);
    a.io('kernel', 'd', 'W', 4096, 0, 40e6);
    a.zoneKind('kernel', 'kernel');
    const { analysis } = a.finish({ sources: [], format: 'x', platform: 'linux', skipped: 0, skipped_by_reason: {}, events_lost: 0, partial: false }, (ns) => ns / 1e9);
    const z = Object.fromEntries(analysis.zones.map((x) => [x.zone, x]));
    expect(z.a.kind).toBe('tenant');
    expect(z.kernel.kind).toBe('kernel');
    // busy 40 ms: costs a 10, b 10, kernel 20 (busy-period decomposition in completion order)
    expect(z.kernel.device_share).toBeCloseTo(0.5, 12);
    // GPS: all three backlogged for 10 ms (1/3 each), then b and kernel for 10 ms (1/2 each),
    // then kernel alone for 20 ms: fair a = 10/3, b = 10/3 + 5, kernel = 10/3 + 5 + 20 (ms)
    expect(z.a.fair_share).toBeCloseTo(10 / 3 / 40, 12);
    expect(z.b.fair_share).toBeCloseTo((10 / 3 + 5) / 40, 12);
    // Jain over the tenants only: x_a = 0.25 / (1/12) = 3, x_b = 0.25 / (25/120) = 1.2
    const xa = 0.25 / (10 / 3 / 40);
    const xb = 0.25 / ((10 / 3 + 5) / 40);
    expect(analysis.fairness.jain).toBeCloseTo((xa + xb) ** 2 / (2 * (xa * xa + xb * xb)), 12);
    expect(analysis.fairness.min_max_ratio).toBeCloseTo(xb / xa, 12);
    expect(analysis.warnings.some((w) => /zone 'kernel' is IO no tenant was charged for.*50 % of the device time.*not ranked/.test(w))).toBe(true);
  });
});
