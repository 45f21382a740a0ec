// cgroup IO files and /proc counters as people paste them:
//
//   $ cat /sys/fs/cgroup/system.slice/db.service/io.stat
//   8:16 rbytes=1459200 wbytes=314773504 rios=192 wios=353 dbytes=0 dios=0
//   $ grep -r . /sys/fs/cgroup/system.slice/*/io.stat /sys/fs/cgroup/system.slice/*/io.pressure
//   /sys/fs/cgroup/system.slice/db.service/io.stat:8:16 rbytes=1459200 wbytes=314773504 ...
//   /sys/fs/cgroup/system.slice/db.service/io.pressure:some avg10=0.00 avg60=0.00 avg300=0.00 total=4123
//   ==> /sys/fs/cgroup/blkio/docker/abc/blkio.throttle.io_serviced <==      (tail -n +1, head)
//   8:0 Read 1234
//   $ cat /proc/pressure/io
//   some avg10=1.20 avg60=0.80 avg300=0.50 total=123456789
//
// Files: v2 io.stat and io.pressure, /proc/pressure/io (zone "(system)"), v1 blkio
// io_serviced / io_service_bytes (throttle or CFQ/BFQ, plain or _recursive), /proc/diskstats
// (devices; see cgroup-snapshots.ts for what each counts). The cgroup is named by its path below
// the cgroup mount (/sys/fs/cgroup, …/unified, …/blkio); a `cat` of a file without a path names
// it "(cgroup)". Lines of other cgroup files in a `grep -r` are ignored and counted in a note.
// v1 lines without their file name are skipped: they cannot tell ops from bytes.
//
// Snapshots: a timestamp line (`date`, `date +%s`, or the header `watch` prints) starts one;
// without them, a counter seen again starts the next, and snapshots are --interval apart (or the
// `sleep N`/`watch -n N` of a pasted command line, else 1 s, said in a warning). One snapshot is
// read as totals.

import type { RecordSink } from '../records.js';
import type { InputFormat, Parser, ParserOptions } from './types.js';
import { lineParser } from './lines.js';
import { NS_PER_S, parsePrompt, parseTimestampLine, show } from './interval-common.js';
import {
  CgroupSnapshots,
  SYSTEM_PSI,
  blkioFile,
  parseBlkioLine,
  parseDiskstatsLine,
  parseIoStatLine,
  parsePsiLine,
} from './cgroup-snapshots.js';

const IO_STAT_RE = /^\d+:\d+(?:\s+[\w.]+=\d+(?:\.\d+)?)*\s*$/;
const PSI_RE = /^(?:some|full)\s+avg10=/;
const BLKIO_RE = /^(?:\d+:\d+\s+(?:Read|Write|Sync|Async|Discard|Total)\s+\d+|Total\s+\d+)\s*$/;
const DISKSTATS_RE = /^\s*\d+\s+\d+\s+\S+(?:\s+\d+){11}(?:(?:\s+\d+){4}(?:\s+\d+){2}?)?\s*$/;
/** `<path>/<file>:<content>` as grep prints it, for the files read here. */
const PREFIXED_RE = /^(.*?(?:io\.stat|io\.pressure|blkio\.[\w.]+|\/proc\/pressure\/io|\/proc\/diskstats)):(.*)$/;
/** `<path>/<other cgroup file>:<content>` (cpu.stat, memory.max, cgroup.procs…). */
const OTHER_FILE_RE = /^(?:\S*\/)?(?:[a-z_]+\.[\w.]+|cgroup\.\w+):\S/;
const TAIL_HEADER_RE = /^==> (.*) <==$/;
const WATCH_RE = /^Every\s+(\d+(?:\.\d+)?)s:\s+(.*?)\s{2,}\S+:\s+(.*)$/;
const UNNAMED = '(cgroup)';

interface FileRef {
  /** Cgroup path, SYSTEM_PSI, or '' for /proc/diskstats. */
  path: string;
  /** io.stat, io.pressure, diskstats, or a blkio file name. */
  file: string;
}

/** Where a file lives: its cgroup below the mount, and its name. */
export function fileRef(filePath: string): FileRef {
  const p = filePath.trim();
  if (/^\/proc\/pressure\/io$/.test(p)) return { path: SYSTEM_PSI, file: 'io.pressure' };
  if (/(?:^|\/)diskstats$/.test(p)) return { path: '', file: 'diskstats' };
  const i = p.lastIndexOf('/');
  const file = p.slice(i + 1);
  const dir = i >= 0 ? p.slice(0, i) : '';
  if (dir === '' && !p.startsWith('/')) return { path: UNNAMED, file };
  let rel = dir.replace(/^\/sys\/fs\/cgroup(?:\/unified|\/blkio[^/]*|\/io)?(?=\/|$)/, '');
  if (rel === '' || rel === '.') rel = dir.startsWith('/') ? '/' : UNNAMED;
  else if (!rel.startsWith('/')) rel = '/' + rel.replace(/^\.\//, '');
  return { path: rel, file };
}

export function createCgroupFilesParser(sink: RecordSink, opts: ParserOptions, tool: string): Parser {
  const snaps = new CgroupSnapshots(sink, opts, tool);
  let current: FileRef | undefined;
  /** What the current snapshot has: a repeat starts the next one. */
  let seen = new Set<string>();
  let otherFiles = 0;
  const otherNames = new Set<string>();

  const begin = (ts: number | undefined) => {
    snaps.begin(ts);
    seen = new Set();
  };
  const once = (key: string) => {
    if (seen.has(key)) begin(undefined);
    seen.add(key);
  };

  const content = (ref: FileRef | undefined, text: string, lineNo: number, truncated: boolean) => {
    const t = text.trim();
    const bad = (code: 'BAD_ROW' | 'NOT_A_NUMBER', reason: string) => sink.skip(lineNo, truncated ? 'TRUNCATED' : code, truncated ? `${reason} (the last line is cut off)` : reason);
    const file = ref?.file;
    if (file === 'diskstats' || (file === undefined && DISKSTATS_RE.test(t))) {
      const d = parseDiskstatsLine(t);
      if (typeof d === 'string') return bad('BAD_ROW', d);
      once(`disk\0${d.dev}`);
      snaps.diskstats(d.dev, d.name, d.values);
      return;
    }
    if (PSI_RE.test(t) && (file === undefined || file === 'io.pressure')) {
      const r = parsePsiLine(t);
      if (typeof r === 'string') return bad('BAD_ROW', r);
      const path = ref?.path ?? SYSTEM_PSI;
      once(`psi\0${path}\0${r.which}`);
      snaps.pressure(path, r.which, r.values);
      return;
    }
    const blk = file ? blkioFile(file) : undefined;
    if (/^Total\s+\d+$/.test(t)) return; // a blkio file's grand total: nothing per device
    if (BLKIO_RE.test(t)) {
      if (!blk) {
        sink.skip(lineNo, 'NO_HEADER', `cgroup v1 blkio line without its file name: ops (io_serviced) cannot be told from bytes (io_service_bytes); paste with "grep -r ." or "tail -n +1" so the file names show`);
        return;
      }
      const r = parseBlkioLine(t);
      if (typeof r === 'string') return bad('BAD_ROW', r);
      if (r === null) return;
      if (r.op !== 'Read' && r.op !== 'Write') return;
      once(`v1\0${ref!.path}\0${r.dev}\0${file}\0${r.op}`);
      snaps.blkio(ref!.path, blk, r.dev, r.op, r.value);
      return;
    }
    if (/^\d+:\d+\b/.test(t) && (file === undefined || file === 'io.stat')) {
      const r = parseIoStatLine(t);
      if (typeof r === 'string') return bad(/not a number/.test(r) ? 'NOT_A_NUMBER' : 'BAD_ROW', r);
      const path = ref?.path ?? UNNAMED;
      once(`v2\0${path}\0${r.dev}`);
      snaps.ioStat(path, r.dev, r.values);
      return;
    }
    if (file && blk === undefined && !['io.stat', 'io.pressure', 'diskstats'].includes(file)) {
      otherFiles++;
      otherNames.add(file);
      return;
    }
    bad('BAD_ROW', `expected an io.stat, io.pressure, blkio or /proc/diskstats line, found ${show(text)}`);
  };

  return lineParser(
    (text, lineNo, truncated) => {
      const t = text.trim();
      if (t === '') return;
      const ts = parseTimestampLine(t, opts.timeBase);
      if (ts !== undefined) {
        begin(ts);
        return;
      }
      // `watch -n 5 cat FILE`: "Every 5.0s: cat FILE    host: Mon Mar  4 12:00:00 2024"
      const watch = WATCH_RE.exec(t);
      if (watch) {
        snaps.setInterval(Number(watch[1]) * NS_PER_S, `watch's header "Every ${watch[1]}s"`);
        const file = /(\S*(?:io\.stat|io\.pressure|blkio\.[\w.]+|pressure\/io|diskstats))\s*$/.exec(watch[2]);
        current = file ? fileRef(file[1]) : undefined;
        begin(parseTimestampLine(watch[3], opts.timeBase));
        return;
      }
      const tail = TAIL_HEADER_RE.exec(t);
      if (tail) {
        current = fileRef(tail[1]);
        return;
      }
      const pre = PREFIXED_RE.exec(t);
      if (pre) {
        content(fileRef(pre[1]), pre[2], lineNo, truncated);
        return;
      }
      if (IO_STAT_RE.test(t) || PSI_RE.test(t) || BLKIO_RE.test(t) || DISKSTATS_RE.test(t)) {
        content(current, t, lineNo, truncated);
        return;
      }
      const cmd = parsePrompt(t);
      if (cmd) {
        // `cat FILE` names the lines that follow; `sleep N` / `watch -n N` give the interval
        const files = cmd.args.filter((a) => !a.startsWith('-') && /(?:io\.stat|io\.pressure|blkio\.[\w.]+|pressure\/io|diskstats)$/.test(a));
        if (['cat', 'head', 'tail', 'more', 'less'].includes(cmd.tool)) current = files.length === 1 ? fileRef(files[0]) : undefined;
        const sleep = /\b(?:sleep\s+|watch\s+(?:-\w+\s+)*-n\s*)(\d+(?:\.\d+)?)\b/.exec(cmd.text);
        if (sleep) snaps.setInterval(Number(sleep[1]) * NS_PER_S, `the pasted command line "${cmd.text}"`);
        return;
      }
      if (OTHER_FILE_RE.test(t)) {
        otherFiles++;
        otherNames.add(t.slice(0, t.indexOf(':')).replace(/^.*\//, ''));
        return;
      }
      content(current, t, lineNo, truncated);
    },
    () => {
      snaps.end();
      if (otherFiles) {
        const names = [...otherNames].slice(0, 5).join(', ');
        sink.warn(`${tool}: ${otherFiles} line(s) of other cgroup files (${names}${otherNames.size > 5 ? ', …' : ''}) ignored`);
      }
    },
  );
}

export const cgroupFilesFormat: InputFormat = {
  name: 'cgroup-files',
  fidelity: 'intervals',
  platform: 'linux',
  description: 'cgroup v2 io.stat / io.pressure, /proc/pressure/io and v1 blkio files as cat, grep -r, head or tail print them (one snapshot: totals; several: deltas)',
  sniff(head: string[]): number {
    let strong = 0;
    let weak = 0;
    for (const line of head) {
      const t = line.trim();
      if (/\t/.test(line) && /^\/\S*\t/.test(line)) continue; // iofair script cgroup output
      const pre = PREFIXED_RE.exec(t);
      if (pre && !/diskstats$/.test(pre[1])) strong++;
      else if (/^\d+:\d+(?:\s+[\w.]+=\d+(?:\.\d+)?)+\s*$/.test(t) && /\b(?:rbytes|wbytes|rios|wios|cost\.usage)=/.test(t)) strong++;
      else if (PSI_RE.test(t) && /total=\d+/.test(t)) strong++;
      else if (BLKIO_RE.test(t)) weak++;
      else if (TAIL_HEADER_RE.test(t) && /(?:io\.stat|io\.pressure|blkio\.)/.test(t)) strong++;
    }
    return strong ? 0.9 : weak >= 2 ? 0.6 : 0;
  },
  create: (sink, opts) => createCgroupFilesParser(sink, opts, 'cgroup'),
};
