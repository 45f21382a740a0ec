// Output of iofair's bpftrace program (`iofair script bpftrace`, src/scripts/bpftrace.ts):
//
//   # iofair-bpftrace v1 fields=issue_ns,done_ns,dev,rwbs,bytes,cgroup_id,pid,comm
//   # iofair-cgroup<TAB>4242<TAB>unified:/system.slice/nginx.service
//   181234567890123<TAB>181234568012345<TAB>259:0<TAB>WS<TAB>4096<TAB>4242<TAB>1234<TAB>nginx
//   # iofair-bpftrace end
//
// Fields are TAB-separated, in the header's order (a later version may add fields); a copy that
// lost its tabs is split on whitespace, the last field taking the rest. Times are `nsecs` (ns
// since boot): beyond 1e15 after 11.6 days of uptime, so they go through TimeBase.toNs exactly.
//
// Zones are cgroups by default (--zone-from cgroup), named by tenantName; comm or pid name them
// by process. A cgroup's path line is printed with the first IO the program saw of it, but per-CPU
// buffers can deliver another CPU's IO of that cgroup first: records with an id not yet named
// are held, in order with everything after them, until its line arrives (bounded: HOLD_MAX
// records or HOLD_NS of trace time); an id still unnamed then, or whose cgroup was gone when
// bpftrace resolved it (an empty path), is zone `cgroup:<id>`.

import type { Op, RecordSink } from '../records.js';
import type { InputFormat, Parser, ParserOptions } from './types.js';
import { wholeLineParser } from './lines.js';
import { parseRwbs, OpTally } from './rwbs.js';
import { LinuxTenants } from './linux-tenant.js';
import { LinuxMessages, startsLikeData } from './linux-common.js';

const HEADER = '# iofair-bpftrace v1';
const HEADER_RE = /^#\s*iofair-bpftrace\s+v(\d+)\b(.*)$/;
const CGROUP_RE = /^#\s*iofair-cgroup\s+(\d+)(?:\s+(.*?))?\s*$/;
const END_RE = /^#\s*iofair-bpftrace\s+end\s*$/;
const REQUIRED = ['issue_ns', 'done_ns', 'dev', 'rwbs', 'bytes', 'cgroup_id'];

const HOLD_MAX = 100000;
const HOLD_NS = 5e9;

interface Held {
  cgroupId: string;
  comm: string;
  pid: string;
  device: string;
  op: Op;
  bytes: number;
  issueNs: number;
  doneNs: number;
}

/** The v2 path in bpftrace's cgroup_path output (`unified:/a/b`, maybe `,cpu:/…` after it). */
export function unifiedPath(printed: string): string {
  for (const part of printed.split(',')) {
    const m = /^unified:(.*)$/.exec(part.trim());
    if (m) return m[1];
  }
  const t = printed.trim();
  return t.startsWith('/') ? t : '';
}

function createParser(sink: RecordSink, opts: ParserOptions): Parser {
  const tb = opts.timeBase;
  const msgs = new LinuxMessages(sink, 'bpftrace');
  const tally = new OpTally();
  const tenants = new LinuxTenants(sink, opts.zoneFrom, { tool: "iofair's bpftrace script", hasCgroup: true, hasPid: true });
  const byCgroup = tenants.mode === 'cgroup';
  let fields: string[] | null = null;
  let idx: Record<string, number> = {};
  let warnedNoHeader = false;
  let sawEnd = false;
  /** cgroup id → path below the cgroup root ('' when bpftrace could not resolve it). */
  const paths = new Map<string, string>();
  const held: Held[] = [];
  const unnamed = new Set<string>();

  const named = (id: string) => id === '0' || paths.has(id);

  function emit(h: Held): void {
    let path: string | undefined;
    if (h.cgroupId === '0') path = '';
    else {
      path = paths.get(h.cgroupId);
      if (path === undefined || path === '') {
        unnamed.add(h.cgroupId);
        path = undefined;
      }
    }
    const zone = byCgroup && path === undefined ? `cgroup:${h.cgroupId}` : tenants.zoneOf(h.comm, h.pid, path);
    sink.io(zone, h.device, h.op, h.bytes, h.issueNs, h.doneNs);
  }

  /** Emits held records in order, up to the first whose id is still unnamed unless `force`. */
  function flushHeld(force: boolean): void {
    let i = 0;
    for (; i < held.length; i++) {
      if (!force && !named(held[i].cgroupId)) break;
      emit(held[i]);
    }
    held.splice(0, i);
  }

  function setHeader(version: number, rest: string, lineNo: number): void {
    if (version !== 1) {
      sink.skip(lineNo, 'BAD_HEADER', `iofair-bpftrace header version ${version}: this iofair reads v1 (a newer iofair wrote it?)`);
      fields = null;
      return;
    }
    const m = /\bfields=(\S+)/.exec(rest);
    const f = m ? m[1].split(',') : [];
    const missing = REQUIRED.filter((r) => !f.includes(r));
    if (missing.length) {
      sink.skip(lineNo, 'BAD_HEADER', `iofair-bpftrace header lacks field(s) ${missing.join(', ')}`);
      fields = null;
      return;
    }
    fields = f;
    idx = Object.fromEntries(f.map((name, i) => [name, i]));
  }

  function onRow(text: string, lineNo: number): void {
    const f = fields!;
    let parts = text.split('\t');
    if (parts.length < f.length) {
      // tabs lost in a copy: whitespace, the last field taking the rest
      const ws = text.trim().split(/\s+/);
      parts = ws.length > f.length ? [...ws.slice(0, f.length - 1), ws.slice(f.length - 1).join(' ')] : ws;
    }
    if (parts.length < f.length) {
      sink.skip(lineNo, 'FIELD_COUNT', `iofair-bpftrace record: expected ${f.length} fields (${f.join(',')}), found ${parts.length}`);
      return;
    }
    const get = (name: string) => (idx[name] === undefined ? '' : parts[idx[name]]);
    const issueTok = get('issue_ns');
    const doneTok = get('done_ns');
    for (const [name, tok] of [['issue_ns', issueTok], ['done_ns', doneTok], ['bytes', get('bytes')], ['cgroup_id', get('cgroup_id')]]) {
      if (!/^\d+$/.test(tok)) {
        sink.skip(lineNo, 'NOT_A_NUMBER', `iofair-bpftrace ${name}: expected a non-negative integer, found "${tok.slice(0, 24)}"`);
        return;
      }
    }
    const dev = /^(\d+):(\d+)$/.exec(get('dev'));
    if (!dev) {
      sink.skip(lineNo, 'BAD_ROW', `iofair-bpftrace dev: expected MAJ:MIN, found "${get('dev').slice(0, 24)}"`);
      return;
    }
    const rwbs = parseRwbs(get('rwbs'));
    if (!rwbs) {
      sink.skip(lineNo, 'BAD_OP', `iofair-bpftrace rwbs: expected an RWBS token (R, WS, FF…), found "${get('rwbs').slice(0, 12)}"`);
      return;
    }
    const issueNs = tb.toNs(issueTok, 1);
    const doneNs = tb.toNs(doneTok, 1);
    if (!(doneNs >= issueNs)) {
      sink.skip(lineNo, 'DONE_BEFORE_ISSUE', `iofair-bpftrace: done_ns ${doneTok} is before issue_ns ${issueTok}`);
      return;
    }
    const acc = tally.account(rwbs, Number(get('bytes')));
    const h: Held = {
      cgroupId: get('cgroup_id'),
      comm: get('comm').trim(),
      pid: get('pid'),
      device: `${Number(dev[1])}:${Number(dev[2])}`,
      op: acc.op,
      bytes: acc.bytes,
      issueNs,
      doneNs,
    };
    if (!byCgroup || (held.length === 0 && named(h.cgroupId))) {
      emit(h);
      return;
    }
    held.push(h);
    // bounded: past the limit, or HOLD_NS of trace time behind, the oldest go out as they are
    while (held.length > HOLD_MAX || (held.length && h.doneNs - held[0].doneNs > HOLD_NS)) {
      emit(held.shift()!);
      flushHeld(false);
    }
  }

  return wholeLineParser(
    sink,
    (text, lineNo) => {
      if (fields && startsLikeData(text)) {
        onRow(text, lineNo);
        return;
      }
      const t = text.trim();
      if (t === '') return;
      const h = HEADER_RE.exec(t);
      if (h) {
        setHeader(Number(h[1]), h[2], lineNo);
        return;
      }
      const cg = CGROUP_RE.exec(t);
      if (cg) {
        paths.set(cg[1], unifiedPath(cg[2] ?? ''));
        flushHeld(false);
        return;
      }
      if (END_RE.test(t)) {
        sawEnd = true;
        return;
      }
      if (msgs.handle(text)) return;
      if (!fields) {
        if (!warnedNoHeader) {
          warnedNoHeader = true;
          sink.warn(`records before the "${HEADER} fields=…" header were skipped`);
        }
        sink.skip(lineNo, 'NO_HEADER', `expected the "${HEADER} fields=…" header before records`);
        return;
      }
      onRow(text, lineNo);
    },
    () => {
      flushHeld(true);
      if (byCgroup && unnamed.size) {
        const ids = [...unnamed].sort();
        sink.warn(
          `cgroup id(s) ${ids.slice(0, 10).join(', ')}${ids.length > 10 ? ` and ${ids.length - 10} more` : ''} had no path for some of their IO (the cgroup was gone when bpftrace resolved it, bpftrace ran in a container, or its path line came more than ${HOLD_NS / 1e9} s after the IO): zone cgroup:<id>`,
        );
      }
      if (fields && !sawEnd) sink.warn('the trace has no "# iofair-bpftrace end" line: bpftrace was stopped before END ran (the last IOs may be missing)');
      tally.finish(sink);
      tenants.finish();
      msgs.finish();
    },
  );
}

export const iofairBpftraceFormat: InputFormat = {
  name: 'iofair-bpftrace',
  fidelity: 'events',
  platform: 'linux',
  description: "output of 'iofair script bpftrace': one line per IO with its cgroup",
  sniff(head: string[]): number {
    for (const l of head.slice(0, 10)) if (HEADER_RE.test(l.trim())) return 0.99;
    return 0;
  },
  create: createParser,
};
