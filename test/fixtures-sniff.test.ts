// Every fixture, in every folder of fixtures/, is sniffed as the format it was written in. A new
// fixture needs a line here: the test fails for a file it does not know.
import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { sniffFormat } from '../src/parsers/registry.js';

const ROOT = join(import.meta.dirname, '..', 'fixtures');

const EXPECTED: Record<string, string> = {
  'bad-lines.csv': 'csv',
  'noisy-neighbor.csv': 'csv',
  'noisy-neighbor.csv.gz': 'csv',
  'out-of-order.csv': 'csv',
  'parallel-ssd.csv': 'csv',
  'story.csv': 'csv',
  'parallel-ssd.csv': 'csv',
  'tenants.csv': 'csv',
  'weighted.csv': 'csv',
  'dtrace/agg-lquantize.txt': 'dtrace-agg',
  'dtrace/agg-printa.txt': 'dtrace-agg',
  'dtrace/agg-quantize.txt': 'dtrace-agg',
  'dtrace/iofair-disk.txt': 'dtrace-iofair',
  'dtrace/iofair-zio.txt': 'dtrace-iofair',
  'dtrace/iosnoop-A.txt': 'iosnoop',
  'dtrace/iosnoop-a.txt': 'iosnoop-counts',
  'dtrace/iosnoop-default.txt': 'iosnoop-counts',
  'dtrace/iosnoop-st.txt': 'iosnoop',
  'dtrace/iosnoop-tD.txt': 'iosnoop',
  'dtrace/iosnoop-viD.txt': 'iosnoop-counts',
  'dtrace/printf-dilt.txt': 'dtrace-printf',
  'dtrace/printf-zfsslowzone.txt': 'dtrace-printf',
  'dtrace/printf-zilt10k.txt': 'dtrace-printf',
  'intervals/cgroup-iostat.txt': 'cgroup-iostat',
  'intervals/iostat-illumos-x-Td.txt': 'iostat-illumos',
  'intervals/iostat-illumos-xnz-Tu.txt': 'iostat-illumos',
  'intervals/linux-iostat-legacy.txt': 'iostat-linux',
  'intervals/linux-iostat-pretty-epoch.txt': 'iostat-linux',
  'intervals/linux-iostat-x-t.txt': 'iostat-linux',
  'intervals/linux-iostat-xs-iso.txt': 'iostat-linux',
  'intervals/linux-iostat.json': 'iostat-json',
  'intervals/vfsstat-I.txt': 'vfsstat',
  'intervals/vfsstat-M.txt': 'vfsstat',
  'intervals/vfsstat-caps.txt': 'vfsstat',
  'intervals/vfsstat-Z.txt': 'vfsstat',
  'intervals/vfsstat-r.csv': 'vfsstat',
  'intervals/ziostat-Z.txt': 'ziostat',
  'intervals/ziostat-old.txt': 'ziostat',
  'intervals/ziostat-r.csv': 'ziostat',
  'linux/biosnoop-bcc.txt': 'biosnoop',
  'linux/biosnoop-bcc-Q.txt': 'biosnoop',
  'linux/biosnoop-bcc-PQ.txt': 'biosnoop',
  'linux/biosnoop-bcc-2016.txt': 'biosnoop',
  'linux/biosnoop-bcc-2019-Q.txt': 'biosnoop',
  'linux/biosnoop-libbpf.txt': 'biosnoop',
  'linux/biosnoop-libbpf-Qt.txt': 'biosnoop',
  'linux/biosnoop-bt-2018.txt': 'biosnoop-bt',
  'linux/biosnoop-bt-2021.txt': 'biosnoop-bt',
  'linux/biosnoop-bt-2025.txt': 'biosnoop-bt',
  'linux/perf-iosnoop-default.txt': 'perf-iosnoop-counts',
  'linux/perf-iosnoop-ts.txt': 'perf-iosnoop',
  'linux/perf-iosnoop-Qt.txt': 'perf-iosnoop',
  'linux/blkparse.txt': 'blkparse',
  'linux/iofair-bpftrace.txt': 'iofair-bpftrace',
  'intervals/iostat-x-headerless.txt': 'iostat-illumos',
  'intervals/iostat-xn-headerless.txt': 'iostat-illumos',
  'intervals/iotop-P.txt': 'dtrace-iotop',
  'intervals/iotop-Z-o.txt': 'dtrace-iotop',
  'intervals/iotop-bytes.txt': 'dtrace-iotop',
  'intervals/linux-iostat-headerless.txt': 'iostat-linux',
  'intervals/linux-iostat-lone.txt': 'iostat-linux',
  'intervals/vfsstat-headerless.txt': 'vfsstat',
  'intervals/vfsstat-lone.txt': 'vfsstat',
  'intervals/ziostat-headerless.txt': 'ziostat',
  'linux/biolatency-D-T-m.txt': 'biolatency',
  'linux/biolatency-F.txt': 'biolatency',
  'linux/biolatency-default.txt': 'biolatency',
  'linux/biolatency-e.txt': 'biolatency',
  'linux/biolatency-j.txt': 'biolatency',
  'linux/biolatency-jD-jF.txt': 'biolatency',
  'linux/biolatency-libbpf-QDF.txt': 'biolatency',
  'linux/bpftrace-hist.txt': 'bpftrace-hist',
  'linux/cgroup-cat-once.txt': 'cgroup-files',
  'linux/cgroup-grep-r.txt': 'cgroup-files',
  'linux/cgroup-script-v1.txt': 'cgroup-iostat',
  'linux/cgroup-script-v2.txt': 'cgroup-iostat',
  'linux/diskstats-14.txt': 'diskstats',
  'linux/diskstats-dated.txt': 'diskstats',
  'linux/ig-builtin.txt': 'ig-blockio',
  'linux/ig-runtime.txt': 'ig-blockio',
  'linux/ig-top-blockio.txt': 'ig-blockio',
  'linux/pidstat-d.txt': 'pidstat',
  'linux/pidstat-dh.txt': 'pidstat',
  'linux/pidstat-dt-U.txt': 'pidstat',
};

function* walk(dir: string): Generator<string> {
  for (const e of readdirSync(dir).sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) yield* walk(p);
    else if (!e.endsWith('.md')) yield p;
  }
}

/** The first lines as the CLI sniffs them: gunzipped, BOM and CR stripped, at most 50. */
function head(path: string): string[] {
  let b = readFileSync(path);
  if (b[0] === 0x1f && b[1] === 0x8b) b = gunzipSync(b);
  return b
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .split('\n')
    .slice(0, 50)
    .map((l) => l.replace(/\r$/, ''));
}

describe('every fixture is sniffed as its own format', () => {
  const files = [...walk(ROOT)].map((p) => relative(ROOT, p).split('\\').join('/'));
  it.each(files)('%s', (file) => {
    const want = EXPECTED[file];
    expect(want, `fixtures/${file} is not in the expected-format map of this test: add it`).toBeDefined();
    expect(sniffFormat(head(join(ROOT, file)))?.name).toBe(want);
  });

  it('knows no fixture that is gone', () => {
    expect(Object.keys(EXPECTED).filter((f) => !files.includes(f))).toEqual([]);
  });
});
