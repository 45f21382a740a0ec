import type { RecordSink } from '../records.js';
import type { InputFormat, Parser, ParserOptions } from './types.js';
import { boundedLines } from './lines.js';
import { csvFormat } from './csv.js';
import { vfsstatFormat } from './vfsstat.js';
import { ziostatFormat } from './ziostat.js';
import { iostatIllumosFormat } from './iostat-illumos.js';
import { iostatLinuxFormat } from './iostat-linux.js';
import { iostatJsonFormat } from './iostat-json.js';
import { cgroupIostatFormat } from './cgroup-iostat.js';
import { dtraceIofairFormat } from './dtrace-iofair.js';
import { iosnoopFormat, iosnoopCountsFormat } from './iosnoop.js';
import { dtracePrintfFormat } from './dtrace-printf.js';
import { dtraceAggFormat } from './dtrace-agg.js';
import { cgroupFilesFormat } from './cgroup-files.js';
import { diskstatsFormat } from './diskstats.js';
import { pidstatFormat } from './pidstat.js';
import { igBlockioFormat } from './ig-blockio.js';
import { dtraceIotopFormat } from './dtrace-iotop.js';
import { biolatencyFormat } from './biolatency.js';
import { bpftraceHistFormat } from './bpftrace-hist.js';
import { biosnoopFormat } from './biosnoop.js';
import { biosnoopBtFormat } from './biosnoop-bt.js';
import { perfIosnoopFormat, perfIosnoopCountsFormat } from './perf-iosnoop.js';
import { blkparseFormat } from './blkparse.js';
import { iofairBpftraceFormat } from './iofair-bpftrace.js';

/**
 * Every input format iofair reads. To add one: write src/parsers/<name>.ts exporting an
 * InputFormat and list it here. Order breaks sniffing ties (earlier wins).
 */
export const formats: InputFormat[] = [
  csvFormat,
  vfsstatFormat,
  ziostatFormat,
  iostatIllumosFormat,
  iostatLinuxFormat,
  iostatJsonFormat,
  cgroupIostatFormat,
  dtraceIofairFormat,
  iofairBpftraceFormat,
  iosnoopFormat,
  iosnoopCountsFormat,
  biosnoopFormat,
  biosnoopBtFormat,
  perfIosnoopFormat,
  perfIosnoopCountsFormat,
  blkparseFormat,
  dtracePrintfFormat,
  dtraceAggFormat,
  // interval and histogram tools as pasted: cgroup files, /proc, sysstat pidstat, Inspektor Gadget,
  // DTraceToolkit iotop, bcc/bpftrace histograms
  cgroupFilesFormat,
  diskstatsFormat,
  pidstatFormat,
  igBlockioFormat,
  dtraceIotopFormat,
  biolatencyFormat,
  bpftraceHistFormat,
];

export function formatByName(name: string): InputFormat | undefined {
  return formats.find((f) => f.name === name);
}

/** The best-matching format for the first lines of an input, or undefined when none claims it. */
export function sniffFormat(head: string[]): InputFormat | undefined {
  let best: InputFormat | undefined;
  let bestScore = 0;
  for (const f of formats) {
    const s = f.sniff(head);
    if (s > bestScore) {
      best = f;
      bestScore = s;
    }
  }
  return best;
}

/**
 * A parser of `format` for one source, with the line-length limit every format shares (parsers
 * that read bytes, like CSV's, apply MAX_LINE_BYTES themselves).
 */
export function createParser(format: InputFormat, sink: RecordSink, opts: ParserOptions): Parser {
  const p = format.create(sink, opts);
  return p.writeBytes ? p : boundedLines(p, sink);
}
