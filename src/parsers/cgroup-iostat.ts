// Output of `iofair script cgroup`: snapshots of every cgroup's IO counters.
//
//   # iofair-cgroup-iostat v2 root=/sys/fs/cgroup interval=5 hierarchy=v2
//   # note: <something the script wants said, e.g. which hierarchy it found>
//   T 1717171717.123456789
//   /system.slice/db.service<TAB>8:16 rbytes=1459200 wbytes=314773504 rios=192 wios=353 dbytes=0 dios=0
//   /system.slice/db.service<TAB>io.pressure<TAB>some avg10=0.00 avg60=0.00 avg300=0.00 total=4123
//   /docker/abc<TAB>blkio.throttle.io_serviced<TAB>8:0 Read 1234        (cgroup v1 hosts)
//   -<TAB>/proc/pressure/io<TAB>some avg10=1.20 avg60=0.80 avg300=0.50 total=123456789
//   -<TAB>/proc/diskstats<TAB>   8       0 sda 43217 5103 2838452 …
//
// Two fields are an io.stat line (the only kind the v1 format had); three name the file. What
// each file counts and how snapshots are differenced: cgroup-snapshots.ts. `# note:` lines become
// warnings. A `T` line that does not hold a time is a skipped line, and the snapshot after it is
// left out (never merged into its neighbour): the interval around it then spans two snapshots,
// which is exact for cumulative counters.

import type { InputFormat } from './types.js';
import { lineParser } from './lines.js';
import { NS_PER_S, show } from './interval-common.js';
import { CgroupSnapshots, SYSTEM_PSI, blkioFile, parseBlkioLine, parseDiskstatsLine, parseIoStatLine, parsePsiLine } from './cgroup-snapshots.js';

const HEADER = /^#\s*iofair-cgroup-iostat\s+v[12]\b/;
const TS = /^T\s+(\d+(?:\.\d+)?)\s*$/;
/** Any line the script wrote as a time line, valid or not. */
const TS_LIKE = /^T(?:\s|\d|$)/;

export const cgroupIostatFormat: InputFormat = {
  name: 'cgroup-iostat',
  fidelity: 'intervals',
  platform: 'linux',
  description: 'cgroup io.stat (v2) or blkio (v1) snapshots, with io.pressure and /proc/diskstats, printed by `iofair script cgroup`',
  sniff(head: string[]): number {
    let rows = 0;
    for (const line of head) {
      if (HEADER.test(line)) return 0.99;
      if (/^\/\S*\t\d+:\d+ .*rbytes=\d+/.test(line)) rows++;
    }
    return rows >= 1 ? 0.9 : 0;
  },
  create(sink, opts) {
    const snaps = new CgroupSnapshots(sink, opts, 'cgroup');
    let skipping = false;
    let leftOut = 0;
    let leftOutRows = 0;

    return lineParser(
      (text, lineNo, truncated) => {
        if (text.trim() === '') return;
        if (HEADER.test(text)) {
          const m = /\binterval=(\d+(?:\.\d+)?)/.exec(text);
          if (m && Number(m[1]) > 0) snaps.setInterval(Number(m[1]) * NS_PER_S, 'the script\'s header');
          return;
        }
        if (text.startsWith('#')) {
          const note = /^#\s*note:\s*(.*)$/.exec(text);
          if (note) sink.warn(`cgroup script: ${note[1]}`);
          return;
        }
        if (TS_LIKE.test(text)) {
          const t = TS.exec(text);
          const ts = t ? opts.timeBase.toNs(t[1], NS_PER_S) : NaN;
          if (!Number.isFinite(ts) || truncated) {
            sink.skip(lineNo, truncated ? 'TRUNCATED' : 'NOT_A_NUMBER', `cgroup script: bad time line ${show(text)}: the snapshot after it is left out`);
            snaps.begin(undefined);
            skipping = true;
            leftOut++;
            return;
          }
          skipping = false;
          snaps.begin(ts);
          return;
        }
        if (skipping) {
          leftOutRows++;
          return;
        }
        const fields = text.split('\t');
        if (fields.length < 2 || fields.length > 3 || !(fields[0].startsWith('/') || fields[0] === '-')) {
          sink.skip(lineNo, 'BAD_ROW', `cgroup script: expected "<cgroup path><TAB>[<file><TAB>]<line>", found ${show(text)}`);
          return;
        }
        const path = fields[0] || '/';
        const file = fields.length === 3 ? fields[1] : 'io.stat';
        const rest = fields[fields.length - 1];
        const bad = (reason: string) => sink.skip(lineNo, truncated ? 'TRUNCATED' : 'BAD_ROW', truncated ? `${reason} (truncated last line)` : reason);
        if (file === 'io.stat') {
          const r = parseIoStatLine(rest);
          if (typeof r === 'string') return bad(r);
          snaps.ioStat(path, r.dev, r.values);
        } else if (file === 'io.pressure' || file === '/proc/pressure/io') {
          const r = parsePsiLine(rest);
          if (typeof r === 'string') return bad(r);
          snaps.pressure(file === 'io.pressure' ? path : SYSTEM_PSI, r.which, r.values);
        } else if (file === '/proc/diskstats') {
          const r = parseDiskstatsLine(rest);
          if (typeof r === 'string') return bad(r);
          snaps.diskstats(r.dev, r.name, r.values);
        } else {
          const f = blkioFile(file);
          if (!f) return bad(`cgroup script: unknown file ${show(file)}`);
          const r = parseBlkioLine(rest);
          if (typeof r === 'string') return bad(r);
          if (r !== null) snaps.blkio(path, f, r.dev, r.op, r.value);
        }
      },
      () => {
        snaps.end();
        if (leftOut) {
          sink.warn(
            `cgroup script: ${leftOut} snapshot(s) (${leftOutRows} line(s)) left out after a bad time line: the interval around each spans two snapshots`,
          );
        }
      },
    );
  },
};
