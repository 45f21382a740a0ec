// `iofair script bpftrace`: a bpftrace program printing one line per block IO with the cgroup the
// IO was charged to, read by src/parsers/iofair-bpftrace.ts with no flags.
//
// Output contract (v1), shared with the parser:
//   # iofair-bpftrace v1 fields=issue_ns,done_ns,dev,rwbs,bytes,cgroup_id,pid,comm
//   one line per IO, TAB-separated, in the order the header names:
//     issue_ns, done_ns  block_rq_issue and block_rq_complete times (nsecs: ns since boot)
//     dev                MAJ:MIN of the disk
//     rwbs               the kernel's RWBS (R, WS, FF, D…)
//     bytes              bytes of the request at issue (0 for a flush)
//     cgroup_id          the cgroup v2 id of the request's first bio (0: none, e.g. a flush)
//     pid, comm          the task that issued the request to the driver (the last field: a
//                        comm may contain spaces)
//   # iofair-cgroup<TAB>ID<TAB>unified:/path   printed before the first IO of each cgroup id;
//                                               bpftrace resolves the id to its path when it
//                                               prints the line (cgroup_path), so a cgroup
//                                               removed by then prints an empty path
//   # iofair-bpftrace end                      printed by END (a clean stop)
//
// Why these probes: block_rq_issue and block_rq_complete are stable tracepoints on every kernel
// this needs (the completion tracepoint also fires for batched completions, which the kprobes on
// blk_mq_end_request or blk_account_io_done miss). Tracepoint arguments carry no request
// pointer, so the cgroup id is read in kprobe:blk_mq_start_request, which runs the
// block_rq_issue tracepoint itself, on the same thread, right after: the id is handed over
// through a map keyed by thread id. The id is read from the request's first bio
// (bio->bi_blkg->blkcg), i.e. the cgroup the block layer charges, writeback included, while the
// request still holds its bios (at completion it no longer does).

import type { CollectionScript } from './index.js';

export const BPFTRACE_HEADER_PREFIX = '# iofair-bpftrace v1';

const PROGRAM = `#!/usr/bin/env bpftrace
/*
 * iofair collection script: one line per block IO with the cgroup it was charged to, for
 * "iofair analyze" (zones = cgroups: systemd units, containers, pods).
 *
 * Needs: Linux 5.5 or newer with BTF (/sys/kernel/btf/vmlinux, CONFIG_DEBUG_INFO_BTF=y), cgroup
 * v2, bpftrace 0.15 or newer (cgroup_path), root. Run it on the host, not in a container: cgroup
 * ids are resolved to paths under the host's /sys/fs/cgroup when each is first printed.
 *
 *   iofair script bpftrace > iofair.bt
 *   BPFTRACE_MAP_KEYS_MAX=65536 bpftrace iofair.bt | iofair analyze -     # live; Ctrl-C ends
 *   BPFTRACE_MAP_KEYS_MAX=65536 timeout -s INT 300 bpftrace iofair.bt > io.txt
 *
 * Latency is device time: issue to the driver (block_rq_issue) to completion
 * (block_rq_complete). The cgroup is the one the block layer charged the request's first bio to:
 * buffered writeback is charged to the cgroup that dirtied the pages where the filesystem
 * supports cgroup writeback (ext2, ext4, btrfs, f2fs, xfs), else to the root cgroup; journal IO
 * is in the root cgroup, and a flush has no bio (cgroup id 0). iofair groups the root cgroup and
 * id 0 as zone "kernel". The maps hold one entry per IO in flight: raise
 * BPFTRACE_MAP_KEYS_MAX (default 4096) if the disks keep more outstanding, or IOs are missed.
 */

BEGIN
{
	printf("${BPFTRACE_HEADER_PREFIX} fields=issue_ns,done_ns,dev,rwbs,bytes,cgroup_id,pid,comm\\n");
}

kprobe:blk_mq_start_request
{
	$rq = (struct request *)arg0;
	$id = (uint64)0;
	if ($rq->bio != 0) {
		if ($rq->bio->bi_blkg != 0) {
			$cgrp = (struct cgroup *)$rq->bio->bi_blkg->blkcg->css.cgroup;
			$id = $cgrp->kn->id;
		}
	}
	@iofair_pending[tid] = $id;
}

tracepoint:block:block_rq_issue
{
	@iofair_issue[args->dev, args->sector] = nsecs;
	@iofair_bytes[args->dev, args->sector] = args->bytes;
	@iofair_cg[args->dev, args->sector] = @iofair_pending[tid];
	@iofair_pid[args->dev, args->sector] = pid;
	@iofair_comm[args->dev, args->sector] = comm;
	delete(@iofair_pending[tid]);
}

tracepoint:block:block_rq_complete
{
	$t0 = @iofair_issue[args->dev, args->sector];
	if ($t0 != 0) {
		$cg = @iofair_cg[args->dev, args->sector];
		if (@iofair_seen[$cg] == 0) {
			@iofair_seen[$cg] = 1;
			printf("# iofair-cgroup\\t%llu\\t%s\\n", $cg, cgroup_path($cg, "unified"));
		}
		printf("%llu\\t%llu\\t%d:%d\\t%s\\t%u\\t%llu\\t%d\\t%s\\n", $t0, nsecs,
		    args->dev >> 20, args->dev & 0xfffff, args->rwbs,
		    @iofair_bytes[args->dev, args->sector], $cg,
		    @iofair_pid[args->dev, args->sector], @iofair_comm[args->dev, args->sector]);
		delete(@iofair_issue[args->dev, args->sector]);
		delete(@iofair_bytes[args->dev, args->sector]);
		delete(@iofair_cg[args->dev, args->sector]);
		delete(@iofair_pid[args->dev, args->sector]);
		delete(@iofair_comm[args->dev, args->sector]);
	}
}

END
{
	clear(@iofair_pending);
	clear(@iofair_issue);
	clear(@iofair_bytes);
	clear(@iofair_cg);
	clear(@iofair_pid);
	clear(@iofair_comm);
	clear(@iofair_seen);
	printf("# iofair-bpftrace end\\n");
}
`;

export const bpftraceScript: CollectionScript = {
  name: 'bpftrace',
  summary: 'bpftrace program: one line per block IO with its cgroup (Linux 5.5+ with BTF, bpftrace 0.15+)',
  help: [
    'Prints a bpftrace program that prints one line per block IO: issue and completion time (ns),',
    'MAJ:MIN, RWBS, bytes, the cgroup v2 id the IO was charged to, and the issuing PID and COMM;',
    'and, once per cgroup, the id\'s path. iofair reads its output with no flags and names zones',
    'by cgroup: nginx.service, docker:<id12>, pod <uid>/<container id12> (--zone-from comm|pid',
    'names them by process instead). The root cgroup and IO without a cgroup (flushes) are zone',
    '"kernel": shown, not ranked among tenants.',
    '',
    'Needs Linux 5.5+ with BTF (CONFIG_DEBUG_INFO_BTF), cgroup v2, bpftrace 0.15+, root, on the',
    'host (not in a container). Writeback is charged to the cgroup that dirtied the pages only on',
    'filesystems with cgroup writeback (ext2, ext4, btrfs, f2fs, xfs); elsewhere to the root.',
    '',
    'Example:',
    '  iofair script bpftrace > iofair.bt',
    '  BPFTRACE_MAP_KEYS_MAX=65536 timeout -s INT 300 bpftrace iofair.bt > io.txt',
    '  iofair analyze io.txt',
  ].join('\n'),
  levels: [],
  render(): string {
    return PROGRAM;
  },
};
