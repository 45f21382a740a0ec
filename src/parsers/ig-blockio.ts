// Inspektor Gadget `top block-io` / `top_blockio`: block IO per container and process, per interval.
//
//   K8S.NODE  K8S.NAMESPACE  K8S.PODNAME  K8S.CONTAINERNAME  PID  COMM  R/W MAJOR MINOR BYTES TIME(µs) IOs
//   minikube  default        web-7d9f     nginx              7767 nginx W   8     0     1564672 3046   4
//
// Column sets seen: `NODE NAMESPACE POD CONTAINER PID COMM R/W MAJOR MINOR BYTES TIME(µs) IOs`
// (kubectl-gadget ≤ 0.11), `K8S.NODE K8S.NAMESPACE K8S.PODNAME K8S.CONTAINERNAME …` (builtin
// gadget), `RUNTIME.CONTAINERNAME PID COMM R/W MAJOR MINOR BYTES TIME OPS` (`ig top block-io`),
// and the image-based `top_blockio` gadget: `… PID [TID] MAJOR MINOR COMM BYTES US IO RW` with RW
// `read`/`write` (cut to `wr…` in narrow columns). Columns are found by name; the text columns
// (node, namespace, pod, container) are empty for host processes, which shifts the remaining
// tokens: an empty one is recognised by a blank at its header's position. The screen-clearing
// escape the gadget prints before each refresh is ignored; each refresh reprints the header,
// which starts the next interval (the gadget's interval: --interval, else 1 s, its default).
// Rows of one tenant and device within an interval (several processes, reads and writes) are
// summed.
//
// The tenant is namespace/pod/container (Kubernetes), the container (ig), or `host:<comm>` for a
// process outside any container. TIME/US is the summed latency of the interval's IOs (issue to
// completion), so its mean per op is the latency.

import type { IntervalSample } from '../records.js';
import type { InputFormat } from './types.js';
import { lineParser } from './lines.js';
import { BlockAssembler, parsePrompt, show, stripAnsi, type PendingRow } from './interval-common.js';


type Role = 'node' | 'namespace' | 'pod' | 'container' | 'pid' | 'tid' | 'comm' | 'rw' | 'major' | 'minor' | 'bytes' | 'us' | 'ios';

const ROLES: [RegExp, Role][] = [
  [/^(?:K8S\.)?NODE$/i, 'node'],
  [/^(?:K8S\.)?NAMESPACE$/i, 'namespace'],
  [/^(?:K8S\.)?POD(?:NAME)?$/i, 'pod'],
  [/^(?:K8S\.|RUNTIME\.)?CONTAINER(?:NAME)?$/i, 'container'],
  [/^PID$/i, 'pid'],
  [/^TID$/i, 'tid'],
  [/^COMM$/i, 'comm'],
  [/^(?:R\/W|RW)$/i, 'rw'],
  [/^MAJOR$/i, 'major'],
  [/^MINOR$/i, 'minor'],
  [/^BYTES$/i, 'bytes'],
  [/^(?:TIME(?:\(µs\)|\(us\))?|US)$/i, 'us'],
  [/^(?:IOS?|OPS)$/i, 'ios'],
];
const TEXT_ROLES = new Set<Role>(['node', 'namespace', 'pod', 'container']);

interface Column {
  role: Role | undefined;
  name: string;
  start: number;
}

function roleOf(name: string): Role | undefined {
  for (const [re, r] of ROLES) if (re.test(name)) return r;
  return undefined;
}

/** Header columns with their start positions, or undefined when the line is not this header. */
function headerOf(line: string): Column[] | undefined {
  const cols: Column[] = [];
  const re = /\S+/g;
  let m;
  while ((m = re.exec(line))) cols.push({ role: roleOf(m[0]), name: m[0], start: m.index });
  const roles = new Set(cols.map((c) => c.role));
  if (!(roles.has('bytes') && roles.has('rw') && roles.has('major') && (roles.has('ios') || roles.has('us')))) return undefined;
  return cols;
}

export function convertIgBlockio(row: PendingRow, startNs: number, durationNs: number): IntervalSample {
  const v = row.values;
  const readOps = v.get('rops') ?? 0;
  const writeOps = v.get('wops') ?? 0;
  const s: IntervalSample = {
    kind: 'zone',
    name: row.name,
    device: row.device,
    startNs,
    durationNs,
    readOps,
    writeOps,
    readBytes: v.get('rbytes') ?? 0,
    writeBytes: v.get('wbytes') ?? 0,
  };
  const us = v.get('us');
  if (us !== undefined && readOps + writeOps > 0) s.avgLatencyNs = (us * 1000) / (readOps + writeOps);
  const rus = v.get('rus');
  const wus = v.get('wus');
  if (rus !== undefined && readOps > 0) s.readLatencyNs = (rus * 1000) / readOps;
  if (wus !== undefined && writeOps > 0) s.writeLatencyNs = (wus * 1000) / writeOps;
  return s;
}

export const igBlockioFormat: InputFormat = {
  name: 'ig-blockio',
  fidelity: 'intervals',
  platform: 'linux',
  description: 'Inspektor Gadget top block-io / top_blockio (kubectl gadget, ig): block IO per pod, container and process',
  sniff(head: string[]): number {
    for (const line of head) if (headerOf(stripAnsi(line))) return 0.95;
    return 0;
  },
  create(sink, opts) {
    const asm = new BlockAssembler(sink, opts, 'top block-io', convertIgBlockio, false);
    let cols: Column[] | undefined;
    let header = '';
    let hostRows = 0;
    let cutRw = 0;
    return lineParser(
      (raw, lineNo, truncated) => {
        const text = stripAnsi(raw);
        if (text.trim() === '') return;
        const h = headerOf(text);
        if (h) {
          // every refresh reprints the header: the next interval
          if (header && asm.size > 0) asm.boundary();
          cols = h;
          header = text.trim();
          return;
        }
        if (parsePrompt(text)) return; // the pasted command line
        if (!cols) {
          sink.skip(lineNo, 'NO_HEADER', `top block-io: expected a header (… BYTES … IOs) before rows, found ${show(raw)}`);
          return;
        }
        // text columns left empty (host processes) are blank at their header's position
        const present = cols.filter((c) => !(c.role && TEXT_ROLES.has(c.role)) || (text[c.start] ?? ' ') !== ' ');
        const toks = text.trim().split(/\s+/);
        if (toks.length !== present.length) {
          sink.skip(lineNo, truncated ? 'TRUNCATED' : 'FIELD_COUNT', `top block-io: expected ${present.length} columns, found ${toks.length}: ${show(raw)}`);
          return;
        }
        const f = new Map<Role, string>();
        present.forEach((c, i) => c.role && f.set(c.role, toks[i]));
        const rw = (f.get('rw') ?? '').replace(/…$/, '').toLowerCase();
        if (f.get('rw')?.endsWith('…')) cutRw++;
        const write = rw !== '' && 'write'.startsWith(rw);
        const read = rw !== '' && 'read'.startsWith(rw);
        if (!write && !read) {
          sink.skip(lineNo, 'BAD_OP', `top block-io: R/W is neither read nor write: ${show(f.get('rw') ?? '')}`);
          return;
        }
        const nums: Partial<Record<Role, number>> = {};
        for (const r of ['major', 'minor', 'bytes', 'us', 'ios'] as Role[]) {
          const tok = f.get(r);
          if (tok === undefined) continue;
          if (!/^\d+$/.test(tok)) {
            sink.skip(lineNo, 'NOT_A_NUMBER', `top block-io: ${r} is not a number: ${show(tok)}`);
            return;
          }
          nums[r] = Number(tok);
        }
        const ns = f.get('namespace');
        const pod = f.get('pod');
        const container = f.get('container');
        let name: string;
        if (ns || pod) name = [ns ?? '-', pod ?? '-', container ?? '-'].join('/');
        else if (container) name = container;
        else {
          name = `host:${f.get('comm') ?? '?'}`;
          hostRows++;
        }
        const device = nums.major !== undefined && nums.minor !== undefined ? `${nums.major}:${nums.minor}` : undefined;
        const key = `${name}\0${device ?? ''}`;
        let row = asm.get(key);
        if (!row) {
          row = { kind: 'zone', name, device, values: new Map(), line: lineNo };
          asm.add(key, row);
        }
        const add = (k: string, v: number | undefined) => v !== undefined && row!.values.set(k, (row!.values.get(k) ?? 0) + v);
        add(write ? 'wops' : 'rops', nums.ios ?? 0);
        add(write ? 'wbytes' : 'rbytes', nums.bytes ?? 0);
        add('us', nums.us);
        add(write ? 'wus' : 'rus', nums.us);
      },
      () => {
        asm.end();
        if (hostRows) sink.warn(`top block-io: ${hostRows} row(s) of processes outside any container, reported as host:<comm>`);
        if (cutRw) sink.warn(`top block-io: ${cutRw} R/W value(s) cut short by the column width (wr…, re…) read as write/read`);
        sink.warn('top block-io charges IO to the process that issued it: writeback of buffered writes shows up under kernel threads (host:kworker/…), not the container that wrote');
      },
    );
  },
};
