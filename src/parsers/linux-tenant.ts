// Who the tenant is, for Linux per-IO traces.
//
// Per-IO tracers name the task that issued each IO (COMM, PID). That is a process, not a tenant:
// writeback is issued by kernel threads (kworker, jbd2, xfsaild, ...) on behalf of whoever dirtied
// the pages, and what operators manage are cgroups (systemd units, containers, pods). So:
// - `--zone-from comm` (the default without cgroups) names zones by COMM, `--zone-from pid` by
//   PID; kernel threads are grouped into one zone `kernel` (kind 'kernel': shown, not ranked) and
//   a warning says COMM is not a tenant and how to get cgroups;
// - `--zone-from cgroup` (the default where the trace has the IO's cgroup, i.e. iofair's own
//   bpftrace script) names zones by cgroup, shown as the name an operator knows (tenantName).
//
// Cgroup naming rules (systemd.unit(5), systemd-escape(1); runc's systemd driver maps
// slice:prefix:name to prefix-name.scope; kubelet's systemd driver writes
// kubepods-<qos>-pod<uid with _ for ->.slice, its cgroupfs driver /kubepods/<qos>/pod<uid>/):
//   /system.slice/nginx.service                                   nginx.service
//   /system.slice/docker-<id>.scope, /docker/<id>                 docker:<id12>
//   /machine.slice/libpod-<id>.scope                              podman:<id12>
//   /kubepods.slice/kubepods-burstable.slice/
//     kubepods-burstable-pod<uid>.slice/cri-containerd-<id>.scope pod <uid>/<id12>
//   /kubepods/burstable/pod<uid>/<id>                             pod <uid>/<id12>
//   …/crio-<id>.scope, …/crio-conmon-<id>.scope                  crio:<id12>, crio-conmon:<id12>
//   /machine.slice/machine-<name>.scope                           machine:<name>
//   /lxc.payload.<name>, /lxc/<name>                              lxc:<name>
//   /user.slice/user-1000.slice/session-3.scope                   session-3.scope
//   anything else                                                 the path itself

import type { RecordSink, ZoneKind } from '../records.js';

/** The zone a kernel thread's IO goes to. */
export const KERNEL_ZONE = 'kernel';
/** The zone of IO whose issuer the trace does not name (bcc `?`, ftrace `<...>`). */
export const UNKNOWN_ZONE = 'unknown';

// Kernel threads that issue block IO, by COMM prefix (tools truncate COMM to 12–16 characters,
// so prefixes, not whole names). perf-tools' iosnoop prints `flush-8:0` as `flush:0-…`.
const KERNEL_THREAD_RE = new RegExp(
  '^(?:' +
    [
      'kworker/',
      'jbd2/',
      'xfsaild/',
      'xfs-',
      'kswapd',
      'ksoftirqd/',
      'kcompactd',
      'khugepaged',
      'kthreadd',
      'flush[-:]',
      'bdi-',
      'pdflush',
      'kjournald',
      'md\\d*_(?:raid|resync)',
      'dmcrypt_write',
      'kcryptd',
      'kdmflush',
      'loop\\d',
      'btrfs-',
      'txg_sync',
      'z_(?:wr|rd|null|fr|cl|ioctl|trim)_',
      'kblockd',
      'scsi_eh_',
      'nvme-',
      'writeback',
      'f2fs_',
      'ext4-rsv',
      'nfsd',
    ].join('|') +
    ')',
);

/** Whether a COMM is a kernel thread that issues IO on behalf of others. */
export function isKernelThread(comm: string): boolean {
  return KERNEL_THREAD_RE.test(comm);
}

/** COMM values tools print when they do not know the issuer. */
export function isUnknownComm(comm: string): boolean {
  return comm === '?' || comm === '<...>' || comm === '';
}

/** systemd's \xNN escapes (systemd-escape(1)) undone. */
function unescapeUnit(s: string): string {
  return s.replace(/\\x([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

const CONTAINER_ID_RE = /^[0-9a-f]{12,}$/;
const id12 = (id: string) => id.slice(0, 12);

/** A container runtime's cgroup segment (`docker-<id>.scope`, `<id>`, `crio-<id>`…) as a name. */
function containerOf(seg: string): { runtime: string; id: string } | null {
  const scope = /^(docker|cri-containerd|crio-conmon|crio|libpod-conmon|libpod|nerdctl)-([0-9a-f]{12,})\.scope$/.exec(seg);
  if (scope) return { runtime: scope[1], id: scope[2] };
  const fs = /^(crio-conmon|crio|docker|libpod)-([0-9a-f]{12,})$/.exec(seg);
  if (fs) return { runtime: fs[1], id: fs[2] };
  if (CONTAINER_ID_RE.test(seg)) return { runtime: '', id: seg };
  return null;
}

const RUNTIME_NAMES: Record<string, string> = {
  docker: 'docker',
  'cri-containerd': 'containerd',
  crio: 'crio',
  'crio-conmon': 'crio-conmon',
  libpod: 'podman',
  'libpod-conmon': 'podman-conmon',
  nerdctl: 'nerdctl',
};

/** The Kubernetes pod UID a cgroup segment names (systemd or cgroupfs driver), or null. */
function podOf(seg: string): string | null {
  const sd = /^kubepods(?:-(?:burstable|besteffort|guaranteed))?-pod([0-9a-fA-F_]+)\.slice$/.exec(seg);
  if (sd) return sd[1].replace(/_/g, '-');
  const fs = /^pod([0-9a-fA-F-]{8,})$/.exec(seg);
  return fs ? fs[1] : null;
}

/**
 * A cgroup v2 path (below the cgroup root, e.g. `/system.slice/nginx.service`) as the name an
 * operator knows: the systemd unit, `docker:<id12>`, `pod <uid>/<id12>`, … (see the table at the
 * top of this file). `/` is the root cgroup. Pure; the path is never resolved on this host.
 */
export function tenantName(cgroupPath: string): string {
  const path = cgroupPath.trim();
  const segs = path.split('/').filter((s) => s !== '');
  if (segs.length === 0) return '/';
  // Kubernetes: a pod segment anywhere under kubepods, then maybe a container below it.
  if (segs[0] === 'kubepods' || segs[0] === 'kubepods.slice') {
    for (let i = 0; i < segs.length; i++) {
      const uid = podOf(segs[i]);
      if (uid === null) continue;
      const below = segs[i + 1];
      if (below === undefined) return `pod ${uid}`;
      const c = containerOf(below);
      const rest = segs.slice(i + 2);
      const name = c ? `pod ${uid}/${id12(c.id)}` : `pod ${uid}/${unescapeUnit(below)}`;
      return rest.length ? `${name}/${rest.join('/')}` : name;
    }
  }
  // cgroupfs layouts of container runtimes: /docker/<id>, /lxc/<name>, /lxc.payload.<name>.
  if (segs[0] === 'docker' && segs[1] && CONTAINER_ID_RE.test(segs[1])) return `docker:${id12(segs[1])}`;
  if (segs[0] === 'lxc' && segs[1]) return `lxc:${segs[1]}`;
  const lxc = /^lxc\.payload\.(.+)$/.exec(segs[0]);
  if (lxc) return `lxc:${lxc[1]}`;
  // The deepest segment that names something: a container scope, a machine, a systemd unit.
  for (let i = segs.length - 1; i >= 0; i--) {
    const seg = segs[i];
    const rest = segs.slice(i + 1);
    const tail = rest.length ? `/${rest.join('/')}` : '';
    const c = containerOf(seg);
    if (c && c.runtime) return `${RUNTIME_NAMES[c.runtime]}:${id12(c.id)}${tail}`;
    const machine = /^machine-(.+)\.scope$/.exec(seg);
    if (machine) return `machine:${unescapeUnit(machine[1])}${tail}`;
    if (/\.(?:service|scope|slice|socket|mount|swap)$/.test(seg)) return `${unescapeUnit(seg)}${tail}`;
  }
  return path.startsWith('/') ? path : `/${path}`;
}

export type ZoneFrom = 'comm' | 'pid' | 'cgroup';

export interface TenantSource {
  /** The tool, for the warnings ("bcc biosnoop"). */
  tool: string;
  /** Whether the trace has each IO's cgroup. */
  hasCgroup: boolean;
  /** Whether the trace has a PID column. */
  hasPid: boolean;
}

const HOW_TO_GET_CGROUPS =
  "for per-cgroup tenants (systemd units, containers, pods) collect with 'iofair script bpftrace' (Linux 5.5+, bpftrace 0.15+)";

/**
 * Turns each IO's issuer (COMM, PID, cgroup path) into a zone per --zone-from, declares the zones
 * that are not tenants (kernel threads, unknown issuer) through sink.zoneKind, and words the
 * warnings. Memory: one entry per distinct zone.
 */
export class LinuxTenants {
  readonly mode: ZoneFrom;
  private declared = new Set<string>();
  private kernelIos = 0;
  private unknownIos = 0;
  private names = new Map<string, string>();

  constructor(
    private readonly sink: RecordSink,
    zoneFrom: string | undefined,
    src: TenantSource,
  ) {
    const want = zoneFrom?.toLowerCase();
    let mode: ZoneFrom = src.hasCgroup ? 'cgroup' : 'comm';
    if (want === 'comm' || want === 'pid' || want === 'cgroup') mode = want;
    else if (want !== undefined)
      sink.warn(`--zone-from ${zoneFrom} is not one of comm|pid|cgroup for ${src.tool}; using ${mode}`);
    if (mode === 'cgroup' && !src.hasCgroup) {
      sink.warn(`--zone-from cgroup: ${src.tool} output has no cgroup; using comm (${HOW_TO_GET_CGROUPS})`);
      mode = 'comm';
    }
    if (mode === 'pid' && !src.hasPid) {
      sink.warn(`--zone-from pid: ${src.tool} output has no PID column; using comm`);
      mode = 'comm';
    }
    this.mode = mode;
    if (mode !== 'cgroup')
      sink.warn(
        `${src.tool} names the task that issued each IO, not a tenant: zones are taken from ${mode === 'comm' ? 'COMM' : 'PID'} (--zone-from ${mode}), ` +
          `kernel threads (kworker, jbd2, xfsaild, …) are grouped as '${KERNEL_ZONE}' (writeback and journal IO no tenant was charged for); ` +
          (src.hasCgroup ? 'without --zone-from, zones are the cgroups the IO was charged to' : HOW_TO_GET_CGROUPS),
      );
  }

  private declare(zone: string, kind: ZoneKind): string {
    if (!this.declared.has(zone)) {
      this.declared.add(zone);
      this.sink.zoneKind?.(zone, kind);
    }
    return zone;
  }

  /**
   * The zone of one IO. `cgroupPath` is the path below the cgroup root ('' when unknown, '/' for
   * the root cgroup); ignored unless the mode is cgroup.
   */
  zoneOf(comm: string, pid: string, cgroupPath?: string): string {
    if (this.mode === 'cgroup') {
      const path = cgroupPath ?? '';
      if (path === '' || path === '/') {
        this.kernelIos++;
        return this.declare(KERNEL_ZONE, 'kernel');
      }
      let name = this.names.get(path);
      if (name === undefined) {
        name = tenantName(path);
        this.names.set(path, name);
      }
      return name;
    }
    if (isUnknownComm(comm)) {
      this.unknownIos++;
      return this.declare(UNKNOWN_ZONE, 'unknown');
    }
    if (isKernelThread(comm)) {
      this.kernelIos++;
      return this.declare(KERNEL_ZONE, 'kernel');
    }
    return this.mode === 'pid' ? pid : comm;
  }

  /**
   * The zone of an IO whose issuer the trace lost in a way the caller words itself (blkparse: an
   * issue without its queue event).
   */
  unknownZone(): string {
    return this.declare(UNKNOWN_ZONE, 'unknown');
  }

  /** Notes about the IOs that went to the zones that are not tenants. */
  finish(): void {
    if (this.unknownIos)
      this.sink.warn(
        `${this.unknownIos} IO(s) without an issuing task (COMM '?' or '<...>': issued before tracing began, or the issue event was missed) are zone '${UNKNOWN_ZONE}'`,
      );
    if (this.mode === 'cgroup' && this.kernelIos)
      this.sink.warn(
        `${this.kernelIos} IO(s) charged to the root cgroup or to no cgroup (flushes and other requests without a bio) are zone '${KERNEL_ZONE}'`,
      );
  }
}
