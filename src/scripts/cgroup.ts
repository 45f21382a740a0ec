// `iofair script cgroup`: a POSIX sh loop that snapshots every cgroup's IO counters, for
// `iofair analyze` (parsed by src/parsers/cgroup-iostat.ts, which differences the counters).
//
// It finds the io controller itself: cgroup v2 (the io controller in the cgroup2 mount's
// cgroup.controllers) → every cgroup's io.stat and io.pressure; cgroup v1 or a hybrid host
// (the blkio controller on a v1 mount) → every cgroup's blkio.throttle.io_serviced and
// io_service_bytes. Either way also /proc/pressure/io and /proc/diskstats (device busy time,
// which turns cgroup op counts into device-time estimates). It says which it found, in a
// `# note:` line (the report shows it) and on stderr.
//
// Output:
//   # iofair-cgroup-iostat v2 root=/sys/fs/cgroup interval=5 hierarchy=v2
//   # note: cgroup v2 at /sys/fs/cgroup: io.stat and io.pressure of every cgroup
//   T 1717171717.123456789
//   /system.slice/docker-1234.scope<TAB>8:16 rbytes=1459200 wbytes=314773504 rios=192 wios=353 dbytes=0 dios=0
//   /system.slice/docker-1234.scope<TAB>io.pressure<TAB>some avg10=0.00 avg60=0.00 avg300=0.00 total=1234
//   -<TAB>/proc/diskstats<TAB>   8      16 sdb 43217 5103 2838452 21450 9821 11024 512080 30120 0 26480 51570 …

import type { CollectionScript } from './index.js';

export const CGROUP_HEADER = '# iofair-cgroup-iostat v2';

const SCRIPT = `#!/bin/sh
# iofair cgroup: snapshots of every cgroup's IO counters, for "iofair analyze".
#
#   sh iofair-cgroup.sh [INTERVAL_SECONDS [COUNT]] > cgroups.txt     (COUNT 0 = until Ctrl-C)
#   sh iofair-cgroup.sh 5 | iofair analyze -
#
# cgroup v2: every cgroup's io.stat and io.pressure. cgroup v1 or hybrid (blkio on a v1 mount):
# every cgroup's blkio.throttle.io_serviced and io_service_bytes. Always /proc/pressure/io and
# /proc/diskstats. Each snapshot is a line "T <epoch seconds>", then "<cgroup path><TAB><line>"
# for io.stat and "<cgroup path or -><TAB><file><TAB><line>" for the rest. The counters are
# cumulative; iofair differences them between snapshots and subtracts children from parents
# where a file counts descendants, so each cgroup is charged only its own IO.
# Limits: buffered writes are charged to a cgroup only on cgroup v2 with a filesystem that
# supports cgroup writeback (ext2, ext4, btrfs, f2fs, xfs; not ZFS); other writeback IO shows up
# in the root ("/"), and on v1 it is not attributed at all.
# Root: $IOFAIR_CGROUP_ROOT (default: found in /proc/mounts). Paths with newlines are not supported.
proc=\${IOFAIR_PROC:-/proc}
interval=\${1:-5}
count=\${2:-0}
root=\${IOFAIR_CGROUP_ROOT:-}
hier=none
if [ -n "$root" ]; then
  root=\${root%/}
  if [ -f "$root/cgroup.controllers" ] || [ -n "$(find "$root/" -name io.stat -type f 2>/dev/null | head -n 1)" ]; then hier=v2
  elif [ -n "$(find "$root/" -name blkio.throttle.io_serviced -type f 2>/dev/null | head -n 1)" ]; then hier=v1
  fi
else
  v2=$(awk '$3 == "cgroup2" { print $2; exit }' "$proc/mounts" 2>/dev/null)
  v1=$(awk '$3 == "cgroup" && $4 ~ /(^|,)blkio(,|$)/ { print $2; exit }' "$proc/mounts" 2>/dev/null)
  if [ -n "$v2" ] && grep -qw io "$v2/cgroup.controllers" 2>/dev/null; then root=$v2; hier=v2
  elif [ -n "$v1" ]; then root=$v1; hier=v1
  else root=\${v2:-/sys/fs/cgroup}
  fi
fi
case $hier in
  v2) note="cgroup v2 at $root: io.stat and io.pressure of every cgroup" ;;
  v1) note="cgroup v1 or hybrid host: the blkio controller at $root; its throttle counters of every cgroup" ;;
  *) note="no cgroup io (v2) or blkio (v1) controller found (looked in $proc/mounts and $root): only $proc/diskstats and $proc/pressure/io are collected, so there are no per-cgroup numbers" ;;
esac
echo "${CGROUP_HEADER} root=$root interval=$interval hierarchy=$hier"
echo "# note: $note"
echo "iofair cgroup: $note" >&2
n=0
while :; do
  ts=$(date +%s.%N 2>/dev/null)
  case $ts in
    *[!0-9.]*|'') ts=$(date +%s) ;;
  esac
  echo "T $ts"
  case $hier in
    v2) find "$root/" \\( -name io.stat -o -name io.pressure \\) -type f 2>/dev/null ;;
    v1) find "$root/" \\( -name blkio.throttle.io_serviced -o -name blkio.throttle.io_service_bytes \\) -type f 2>/dev/null ;;
  esac | while IFS= read -r f; do
    rel=\${f#"$root"}
    name=\${rel##*/}
    rel=\${rel%/*}
    [ -n "$rel" ] || rel=/
    while IFS= read -r l || [ -n "$l" ]; do
      if [ "$name" = io.stat ]; then printf '%s\\t%s\\n' "$rel" "$l"
      else printf '%s\\t%s\\t%s\\n' "$rel" "$name" "$l"
      fi
    done < "$f"
  done
  if [ -r "$proc/pressure/io" ]; then
    while IFS= read -r l || [ -n "$l" ]; do printf '%s\\t%s\\t%s\\n' - /proc/pressure/io "$l"; done < "$proc/pressure/io"
  fi
  while IFS= read -r l || [ -n "$l" ]; do printf '%s\\t%s\\t%s\\n' - /proc/diskstats "$l"; done < "$proc/diskstats"
  n=$((n + 1))
  if [ "$count" -gt 0 ] && [ "$n" -ge "$count" ]; then break; fi
  sleep "$interval"
done
`;

export const cgroupScript: CollectionScript = {
  name: 'cgroup',
  summary: 'POSIX sh loop snapshotting every cgroup\'s IO counters (v2 io.stat, v1 blkio), IO pressure and /proc/diskstats',
  help: [
    'Prints a POSIX shell script that, every INTERVAL seconds (default 5), prints a timestamp line',
    'and every cgroup\'s IO counters prefixed by the cgroup path. It finds the io controller itself:',
    'on cgroup v2 it reads io.stat and io.pressure; on cgroup v1 or hybrid hosts (blkio on a v1',
    'mount) the blkio throttle counters; on both /proc/pressure/io and /proc/diskstats. It says',
    'which it found on stderr and in its output (a note in the report).',
    '',
    'iofair reads its output with no flags: it differences the cumulative counters between',
    'snapshots (a counter that goes backwards means the cgroup was recreated: it restarts from',
    'the new value) and subtracts children from parents where a file counts descendants, so each',
    'cgroup is charged its own IO. io.stat has no latency: device time comes from iocost\'s',
    'cost.usage where iocost is on, else is estimated from the device\'s busy time per op',
    '(/proc/diskstats), else shares are by ops; the report says which.',
    '',
    'Buffered writes are attributed to cgroups only on cgroup v2, and only on filesystems with',
    'cgroup writeback (ext2, ext4, btrfs, f2fs, xfs); elsewhere they land in the root cgroup "/".',
    'cgroup v1 does not attribute them at all.',
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
