// `iofair script dtrace [--level zio|vfs|disk]`: D scripts whose output the `dtrace-iofair` parser
// reads with no flags (src/parsers/dtrace-iofair.ts).
//
// Output contract (v1), shared with the parser:
//   # iofair-dtrace v1 level=<level> fields=<comma-separated field names>
//   one record per IO, fields separated by a TAB, in the order the header names them:
//     timestamp_ns  completion time, `walltimestamp` (epoch ns, ~1.7e18: parsed exactly)
//     latency_ns    completion − start, ns
//     device        device / vdev / pool name
//     op            R or W
//     bytes         bytes transferred
//     zone | zoneid zone name (disk, vfs), or numeric zone id (zio) resolved through
//                   `# iofair-zone<TAB>id<TAB>name` lines the script prints, or --zones
//   # iofair-dtrace end          printed by dtrace:::END (a clean stop)
// The zone is the last field, so even a name with spaces (illumos forbids them) parses.

import type { CollectionScript } from './index.js';

const COMMON_PRAGMAS = `#pragma D option quiet
#pragma D option switchrate=10hz
#pragma D option bufsize=8m
#pragma D option dynvarsize=16m`;

const USAGE = (level: string) => ` * Run (root, or a user with dtrace_kernel privilege, in the global zone):
 *   iofair script dtrace --level ${level} > iofair-${level}.d
 *   dtrace -q -s iofair-${level}.d | iofair analyze -        # live; Ctrl-C to finish
 *   dtrace -q -s iofair-${level}.d -c 'sleep 300' > trace.txt   # e.g. from cron
 * Merge stderr (2>&1) if you want iofair to count DTrace's drop messages as lost IOs.`;

const DISK = `#!/usr/sbin/dtrace -s
/*
 * iofair collection script, level=disk: physical IO at the io provider.
 *
 * ZONE ATTRIBUTION LIMITS: the zone is \`zonename\` of the thread that issued the IO at
 * io:::start. Under ZFS most disk IO is issued by kernel taskq threads (zio pipeline, TXG
 * sync), so it shows the GLOBAL zone: this level is right for UFS, zvols accessed directly
 * and non-ZFS devices, and wrong for per-zone ZFS accounting (use --level zio on SmartOS).
 *
 * Fields: completion walltimestamp (ns), latency io:::start -> io:::done (ns, includes the
 * device queue), device = dev_statname (as iostat names it), op from b_flags, bytes =
 * b_bcount, zone. IOs already in flight when tracing starts are not reported.
${USAGE('disk')}
 */
${COMMON_PRAGMAS}

dtrace:::BEGIN
{
	printf("# iofair-dtrace v1 level=disk fields=timestamp_ns,latency_ns,device,op,bytes,zone\\n");
}

io:::start
{
	iofair_start[arg0] = timestamp;
	iofair_zone[arg0] = zonename;
}

io:::done
/iofair_start[arg0]/
{
	printf("%d\\t%d\\t%s\\t%s\\t%d\\t%s\\n", walltimestamp, timestamp - iofair_start[arg0],
	    args[1]->dev_statname, args[0]->b_flags & B_READ ? "R" : "W",
	    args[0]->b_bcount, iofair_zone[arg0]);
	iofair_start[arg0] = 0;
	iofair_zone[arg0] = 0;
}

dtrace:::END
{
	printf("# iofair-dtrace end\\n");
}
`;

const ZIO = `#!/usr/sbin/dtrace -s
/*
 * iofair collection script, level=zio: physical ZFS IO per zone, SmartOS only.
 *
 * Uses the SmartOS ZFS zone probe sdt:::zfs-zone-latency (arg0 zone id, arg1 zio type,
 * arg2 latency in us), which fires in zfs_zone_zio_done() when a leaf-vdev IO completes;
 * it exists only on illumos-joyent (SmartOS) kernels. On other illumos systems this script
 * fails with "does not match any probes": use --level vfs there.
 *
 * ZONE ATTRIBUTION LIMITS: the zone id is the zio's io_zoneid, set to the issuing thread's
 * zone when the zio is created, so reads and synchronous writes are charged to the right
 * zone. Asynchronous writes are issued at TXG sync by kernel threads and are charged to the
 * GLOBAL zone (zone id 0) - the same blind spot the SmartOS zone throttle has. Zone ids are
 * mapped to names by "# iofair-zone" lines, printed the first time a zone creates a zio
 * (zonename in zfs_zone_zio_init, which runs in the issuing thread); iofair analyze
 * --zones id=name,... fills any gap.
 *
 * Fields: completion walltimestamp (ns), latency = dispatch to completion at the vdev
 * (excludes vdev queue wait; microsecond resolution, x1000), device = the leaf vdev path,
 * op from the zio type (reads = ZIO_TYPE_READ, writes = ZIO_TYPE_WRITE; frees, claims and
 * ioctls are skipped), bytes = io_size, zone id.
${USAGE('zio')}
 */
${COMMON_PRAGMAS}

dtrace:::BEGIN
{
	printf("# iofair-dtrace v1 level=zio fields=timestamp_ns,latency_ns,device,op,bytes,zoneid\\n");
	printf("# iofair-zone\\t%d\\t%s\\n", 0, "global");
	iofair_named[0] = 1;
}

fbt::zfs_zone_zio_init:entry
/!iofair_named[curpsinfo->pr_zoneid]/
{
	iofair_named[curpsinfo->pr_zoneid] = 1;
	printf("# iofair-zone\\t%d\\t%s\\n", curpsinfo->pr_zoneid, zonename);
}

fbt::zfs_zone_zio_done:entry
{
	self->iofair_zio = args[0];
}

sdt:::zfs-zone-latency
/self->iofair_zio && (arg1 == 1 || arg1 == 2)/
{
	this->vd = self->iofair_zio->io_vd;
	printf("%d\\t%d\\t%s\\t%s\\t%d\\t%d\\n", walltimestamp, arg2 * 1000,
	    this->vd != NULL && this->vd->vdev_path != NULL ?
	    stringof(this->vd->vdev_path) : "vdev",
	    arg1 == 1 ? "R" : "W", self->iofair_zio->io_size, arg0);
}

fbt::zfs_zone_zio_done:return
{
	self->iofair_zio = 0;
}

dtrace:::END
{
	printf("# iofair-dtrace end\\n");
}
`;

const VFS = `#!/usr/sbin/dtrace -s
/*
 * iofair collection script, level=vfs: logical ZFS reads and writes per zone.
 *
 * Traces fbt::zfs_read / fbt::zfs_write entry and return in the calling thread.
 *
 * ZONE ATTRIBUTION LIMITS: the zone is \`zonename\` of the calling thread, so attribution
 * is correct for every zone. But this is LOGICAL IO: it includes ARC cache hits (very fast
 * reads that never reach a disk) and buffered writes that reach the disk later, at TXG
 * sync; latency includes any SmartOS zone throttle delay. Device time computed from it is
 * the time the pool spent serving syscalls, not disk time. Use --level zio for physical IO.
 *
 * Fields: completion walltimestamp (ns), latency entry -> return (ns), device = the pool
 * (first component of the dataset name), op, bytes actually transferred (uio_resid at entry
 * minus at return), zone. dtrace's own writes (pid $pid) are excluded.
${USAGE('vfs')}
 */
${COMMON_PRAGMAS}

dtrace:::BEGIN
{
	printf("# iofair-dtrace v1 level=vfs fields=timestamp_ns,latency_ns,device,op,bytes,zone\\n");
}

fbt::zfs_read:entry, fbt::zfs_write:entry
/pid != $pid/
{
	self->iofair_ts = timestamp;
	self->iofair_uio = args[1];
	self->iofair_resid = args[1]->uio_resid;
	self->iofair_pool = strtok(stringof(args[0]->v_vfsp->vfs_resource->rs_string), "/");
}

fbt::zfs_read:return, fbt::zfs_write:return
/self->iofair_ts/
{
	printf("%d\\t%d\\t%s\\t%s\\t%d\\t%s\\n", walltimestamp, timestamp - self->iofair_ts,
	    self->iofair_pool, probefunc == "zfs_read" ? "R" : "W",
	    self->iofair_resid - self->iofair_uio->uio_resid, zonename);
	self->iofair_ts = 0;
	self->iofair_uio = 0;
	self->iofair_resid = 0;
	self->iofair_pool = 0;
}

dtrace:::END
{
	printf("# iofair-dtrace end\\n");
}
`;

const LEVELS: ReadonlyMap<string, string> = new Map([
  ['zio', ZIO],
  ['vfs', VFS],
  ['disk', DISK],
]);

export const dtraceScript: CollectionScript = {
  name: 'dtrace',
  summary: 'D script for illumos/SmartOS: one line per IO with zone, device, latency (read with no flags)',
  help: `Prints a D script; run it with dtrace and pipe or save its output for iofair analyze.
Levels (the zone attribution differs; each script repeats its limits in a comment at the top):
  zio   (default) SmartOS ZFS zone probes: physical ZFS IO per zone. Right zone for reads and
        sync writes; async (TXG) writes show as the global zone. SmartOS kernels only.
        Default because it is the only level that is both physical (what the disks did) and
        zone-attributed under ZFS.
  vfs   fbt zfs_read/zfs_write in the calling thread: right zone always, but logical IO
        (includes ARC cache hits and buffered writes). Any illumos with ZFS.
  disk  io:::start/done: physical IO per device. Under ZFS most IO is issued by kernel
        threads and shows the global zone; right for UFS, zvols and non-ZFS devices.
Examples:
  iofair script dtrace > iofair.d && dtrace -q -s iofair.d | iofair analyze -
  iofair script dtrace --level vfs | dtrace -q -s /dev/stdin -c 'sleep 300' > trace.txt`,
  levels: ['zio', 'vfs', 'disk'],
  render(opts: { level?: string }): string {
    const level = opts.level ?? 'zio';
    const s = LEVELS.get(level);
    if (s === undefined) {
      throw new Error(`unknown dtrace level "${level}": expected one of zio, vfs, disk`);
    }
    return s;
  },
};
