// `iofair script cgroup`: a POSIX sh loop that snapshots every cgroup v2 io.stat, for
// `iofair analyze` (parsed by src/parsers/cgroup-iostat.ts, which differences the counters).
//
// Output:
//   # iofair-cgroup-iostat v1 root=/sys/fs/cgroup interval=5
//   T 1717171717.123456789
//   /system.slice/docker-1234.scope<TAB>8:16 rbytes=1459200 wbytes=314773504 rios=192 wios=353 dbytes=0 dios=0

import type { CollectionScript } from './index.js';

export const CGROUP_HEADER = '# iofair-cgroup-iostat v1';

const SCRIPT = `#!/bin/sh
# iofair cgroup: snapshots of every cgroup v2 io.stat, for "iofair analyze".
#
#   sh iofair-cgroup.sh [INTERVAL_SECONDS [COUNT]] > cgroups.txt     (COUNT 0 = until Ctrl-C)
#   sh iofair-cgroup.sh 5 | iofair analyze -
#
# Each snapshot is a line "T <epoch seconds>" followed by every cgroup's io.stat lines, each
# prefixed by the cgroup's path below the root and a TAB. The counters are cumulative; iofair
# differences them between snapshots, and subtracts children from parents (io.stat is
# hierarchical) so each cgroup is charged only its own IO.
# Limits: buffered writes are charged to a cgroup only where the filesystem supports cgroup
# writeback (ext4, btrfs; not ZFS); other writeback IO shows up in the root ("/").
# Root: $IOFAIR_CGROUP_ROOT (default /sys/fs/cgroup). Paths containing newlines are not supported.
root=\${IOFAIR_CGROUP_ROOT:-/sys/fs/cgroup}
root=\${root%/}
interval=\${1:-5}
count=\${2:-0}
echo "${CGROUP_HEADER} root=$root interval=$interval"
n=0
while :; do
  ts=$(date +%s.%N 2>/dev/null)
  case $ts in
    *[!0-9.]*|'') ts=$(date +%s) ;;
  esac
  echo "T $ts"
  find "$root/" -name io.stat -type f 2>/dev/null | while IFS= read -r f; do
    rel=\${f#"$root"}
    rel=\${rel%/io.stat}
    [ -n "$rel" ] || rel=/
    while IFS= read -r l || [ -n "$l" ]; do
      printf '%s\\t%s\\n' "$rel" "$l"
    done < "$f"
  done
  n=$((n + 1))
  if [ "$count" -gt 0 ] && [ "$n" -ge "$count" ]; then break; fi
  sleep "$interval"
done
`;

export const cgroupScript: CollectionScript = {
  name: 'cgroup',
  summary: 'POSIX sh loop snapshotting every cgroup v2 io.stat (Linux containers, systemd units)',
  help: [
    'Prints a POSIX shell script that, every INTERVAL seconds (default 5), prints a timestamp line',
    'and every cgroup\'s io.stat lines prefixed by the cgroup path. iofair reads its output with no',
    'flags: it differences the cumulative counters between snapshots (a counter that goes backwards',
    'means the cgroup was recreated: it restarts from the new value) and subtracts children from',
    'parents, so each cgroup is charged its own IO.',
    '',
    'io.stat has no latency: shares are then by ops, not device time, and the report says so.',
    'Buffered writes are attributed to cgroups only on filesystems with cgroup writeback (ext4,',
    'btrfs); elsewhere they land in the root cgroup "/".',
    '',
    'Example:',
    '  iofair script cgroup > iofair-cgroup.sh',
    '  sh iofair-cgroup.sh 5 60 > cgroups.txt    # 60 snapshots, 5 s apart',
    '  iofair analyze cgroups.txt',
    '  IOFAIR_CGROUP_ROOT=/sys/fs/cgroup/machine.slice sh iofair-cgroup.sh 5 | iofair analyze -',
  ].join('\n'),
  levels: [],
  render(): string {
    return SCRIPT;
  },
};
