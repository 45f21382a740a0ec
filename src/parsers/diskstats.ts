// Linux /proc/diskstats snapshots (Documentation/admin-guide/iostats.rst):
//
//    8       0 sda 43217 5103 2838452 21450 9821 11024 512080 30120 0 26480 51570 0 0 0 0 412 890
//
// `MAJ MIN name` and 11 (before 4.18), 15 (4.18+, discards) or 17 (5.5+, flushes) counters.
// Each pair of snapshots becomes one device interval: ops and bytes (512-byte sectors), mean
// latency (ms spent ÷ ops, queueing included), busy time (io_ticks: time with IO in flight, so
// a parallel device can be "100 %" busy with room to spare) and queue depth (weighted ms ÷ time).
// The devices keep their MAJ:MIN, so a cgroup io.stat given with them (in the same input or as
// another file) has its ops turned into device-time estimates. Snapshots are separated as in
// cgroup-files.ts (timestamp lines, or a device seen again); one snapshot is totals since boot.

import type { InputFormat } from './types.js';
import { createCgroupFilesParser } from './cgroup-files.js';

const LINE_RE = /^\s*\d+\s+\d+\s+\S+(?:\s+\d+){11}(?:(?:\s+\d+){4}(?:\s+\d+){2}?)?\s*$/;

export const diskstatsFormat: InputFormat = {
  name: 'diskstats',
  fidelity: 'intervals',
  platform: 'linux',
  description: 'Linux /proc/diskstats snapshots (14, 18 or 20 fields): per-device ops, bytes, latency and busy time',
  sniff(head: string[]): number {
    let rows = 0;
    let other = 0;
    for (const line of head) {
      if (line.trim() === '') continue;
      if (LINE_RE.test(line)) rows++;
      else other++;
    }
    return rows >= 1 && rows >= other ? 0.85 : 0;
  },
  create: (sink, opts) => createCgroupFilesParser(sink, opts, 'diskstats'),
};
