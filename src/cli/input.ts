// Reading sources: files, stdin, gzip (by magic bytes), BOM, format sniffing, bad-line accounting,
// and Ctrl-C behaviour while reading a pipe. The only place that opens input.

import { closeSync, createReadStream, openSync, readSync, statSync } from 'node:fs';
import { parseInWorker, WORKER_MIN_BYTES, type IdTarget, type ParseJob } from './parse-workers.js';
import { readFd } from './fdread.js';
import { createGunzip } from 'node:zlib';
import { StringDecoder } from 'node:string_decoder';
import { once } from 'node:events';
import type { IntervalSample, LatencyHistogram, Op, RecordSink, SkipCode, ZoneKind } from '../records.js';
import type { InputFormat, Parser, ParserOptions } from '../parsers/types.js';
import { formatByName, formats, sniffFormat } from '../parsers/registry.js';
import { CliError, inputError, usageError } from './errors.js';
import { readMerged } from './merge-sources.js';

/** Where records go (the core's Analyzer). */
export interface RecordTarget {
  io(zone: string, device: string, op: Op, bytes: number, issueNs: number, doneNs: number, weight?: number): void;
  interval(s: IntervalSample): void;
  histogram(h: LatencyHistogram): void;
  /** Optional: see RecordSink.zoneKind. */
  zoneKind?(zone: string, kind: ZoneKind): void;
  /** Optional: records by interned id (the parse worker's batches use these when present). */
  zoneIdOf?: IdTarget['zoneIdOf'];
  deviceIdOf?: IdTarget['deviceIdOf'];
  ioAt?: IdTarget['ioAt'];
}

export interface ReadOptions {
  inputFormat?: string;
  strict: boolean;
  parser: ParserOptions;
  /** How many bad lines to show per source on stderr. */
  showSkipped: number;
  /** After the first Ctrl-C on a pipe, how long to keep draining before reporting partial. */
  drainTimeoutMs: number;
  stderr: (line: string) => void;
  /** Called after each chunk is parsed (progress, --every). */
  onChunk?: (bytes: number) => void;
  /**
   * Awaited after each chunk is parsed, when given: how a source being merged with others
   * pauses while its records wait for theirs (merge-sources.ts).
   */
  pace?: () => Promise<void> | undefined;
  /** Parse on this thread only (no parse worker): set for merged sources. */
  noWorker?: boolean;
}

export interface ReadResult {
  formats: string[];
  skipped: number;
  /** Skipped lines counted by SkipCode. */
  skippedByReason: Map<SkipCode, number>;
  eventsLost: number;
  partial: boolean;
  warnings: string[];
  bytes: number;
}

/** Shared interrupt state, driven by the SIGINT handler in main. */
export const interrupt = {
  count: 0,
  /** Set when input must stop now (file input interrupted, or drain timeout). */
  stopNow: false,
  current: null as Stoppable | null,
  reading: null as 'file' | 'pipe' | null,
  /** --drain-timeout in ms. */
  drainMs: 5000,
  /**
   * Set when reading stdin was given up with a read still pending (drain timeout): that read
   * keeps the event loop alive, so main exits explicitly once the report is written.
   */
  abandoned: false,
};

interface Stoppable {
  destroy(): void;
}

/** Chunks of input; a chunk is valid only until the next one is taken (copy what you keep). */
type Source = AsyncIterable<Buffer> & Stoppable;

const HEAD_BYTES = 64 * 1024;
const HEAD_LINES = 50;

export function displayName(src: string): string {
  return src === '-' ? '(stdin)' : src;
}

function openSource(src: string): Source {
  if (src === '-') return stdinSource();
  let st;
  try {
    st = statSync(src);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw usageError(`${src}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (e as Error).message}`);
  }
  if (st.isDirectory()) throw usageError(`${src}: is a directory`);
  // 256 KiB reads: with 1 MiB ones the short-lived chunk buffers let RSS creep from 75 to
  // 85–135 MiB over a 10M-record file; 256 KiB keeps it flat and is no slower
  return createReadStream(src, { highWaterMark: 1 << 18 });
}

/**
 * Standard input, read by descriptor (see fdread.ts) into one reused buffer; destroy() gives up a
 * pending read (Ctrl-C drain timeout).
 */
function stdinSource(): Source {
  const buf = Buffer.allocUnsafe(1 << 18);
  let giveUp = () => {};
  const given = new Promise<number>((r) => (giveUp = () => r(-1)));
  return {
    async *[Symbol.asyncIterator]() {
      for (;;) {
        let n;
        try {
          n = await Promise.race([readFd(0, buf), given]);
        } catch (e) {
          throw inputError(`(stdin): cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
        }
        if (n < 0) interrupt.abandoned = true;
        if (n <= 0) return;
        yield buf.subarray(0, n);
      }
    },
    destroy: () => giveUp(),
  };
}

/**
 * Bytes of a source, gunzipped when it starts with the gzip magic 1f 8b (then `gz.gzip` is set).
 * Like the source's, each chunk is valid only until the next is taken.
 */
async function* decompressed(stream: Source, name: string, gz = { gzip: false }): AsyncGenerator<Buffer> {
  const it = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const first = await it.next();
  if (first.done) return;
  const head: Buffer = first.value;
  gz.gzip = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  if (!gz.gzip) {
    yield head;
    for (;;) {
      const n = await it.next();
      if (n.done) return;
      yield n.value;
    }
  }
  const gunzip = createGunzip();
  const feed = (async () => {
    // zlib works on the chunk later: a copy, since the source reuses its buffer
    gunzip.write(Buffer.from(head));
    for (;;) {
      const n = await it.next();
      if (n.done) break;
      if (!gunzip.write(Buffer.from(n.value))) await once(gunzip, 'drain');
    }
    gunzip.end();
  })().catch((e) => gunzip.destroy(e));
  try {
    for await (const c of gunzip) yield c as Buffer;
  } catch (e) {
    if (interrupt.stopNow) return;
    throw inputError(`${name}: gzip data is corrupt or truncated (${(e as Error).message})`);
  }
  await feed;
}

export function newReadResult(): ReadResult {
  return { formats: [], skipped: 0, skippedByReason: new Map(), eventsLost: 0, partial: false, warnings: [], bytes: 0 };
}

/**
 * Reads every source into `target`; `res` is updated as it goes (live reports read it). Several
 * sources are read at once and their IO records merged by completion time (merge-sources.ts).
 */
export async function readSources(sources: string[], target: RecordTarget, opts: ReadOptions, res = newReadResult()): Promise<ReadResult> {
  const warned = new Set<string>();
  interrupt.drainMs = opts.drainTimeoutMs;
  if (sources.length > 1) {
    await readMerged(sources, target, (src, into, pace) => readOne(src, into, { ...opts, pace, noWorker: true }, res, warned));
    if (interrupt.stopNow) res.partial = true;
    // the same whatever order the sources' reading happened to interleave in
    res.formats.sort();
    res.warnings = bySource(res.warnings, sources);
    return res;
  }
  for (const src of sources) {
    if (interrupt.stopNow) {
      res.partial = true;
      break;
    }
    await readOne(src, target, opts, res, warned);
  }
  return res;
}

async function readOne(src: string, target: RecordTarget, opts: ReadOptions, res: ReadResult, warned: Set<string>): Promise<void> {
  const name = displayName(src);
  const stream = openSource(src);
  let shown = 0;
  let hidden = 0;
  const sink: RecordSink = {
    io: (z, d, op, b, i, dn, w) => target.io(z, d, op, b, i, dn, w),
    interval: (s) => target.interval(s),
    histogram: (h) => target.histogram(h),
    zoneKind: (z, k) => target.zoneKind?.(z, k),
    skip(line, code, reason) {
      res.skipped++;
      res.skippedByReason.set(code, (res.skippedByReason.get(code) ?? 0) + 1);
      if (opts.strict) throw inputError(`${name}:${line}: ${reason} (--strict)`);
      if (shown < opts.showSkipped) {
        shown++;
        opts.stderr(`iofair: ${name}:${line}: ${reason}; line skipped`);
      } else hidden++;
    },
    lost(count) {
      // the parser words the warning (it knows what was lost); here it is only counted
      res.eventsLost += count;
    },
    warn(message) {
      const w = `${name}: ${message}`;
      if (!warned.has(w)) {
        warned.add(w);
        res.warnings.push(w);
      }
    },
  };

  const ids = target.zoneIdOf && target.deviceIdOf && target.ioAt ? (target as IdTarget) : undefined;
  const job = { timeUnitNs: opts.parser.timeUnitNs, columns: opts.parser.columns ? [...opts.parser.columns] : undefined };
  /** Parses the rest of the source on a second core while this one sweeps. */
  const onWorker = async (from: Pick<ParseJob, 'path' | 'fd' | 'head'>): Promise<void> => {
    if (!res.formats.includes('csv')) res.formats.push('csv');
    const wp = parseInWorker(
      { ...job, ...from },
      sink,
      opts.parser.timeBase,
      (n) => {
        res.bytes += n;
        opts.onChunk?.(n);
      },
      () => interrupt.stopNow,
      ids,
    );
    interrupt.current = {
      destroy() {
        if (from.fd !== undefined) interrupt.abandoned = true; // its read is still pending
        wp.stop();
      },
    };
    try {
      await wp.done;
    } catch (e) {
      if (e instanceof CliError) throw e;
      throw inputError(`${name}: ${(e as Error).message}`);
    } finally {
      wp.stop();
      interrupt.current = null;
      interrupt.reading = null;
    }
    if (interrupt.stopNow) res.partial = true;
    if (hidden > 0) opts.stderr(`iofair: ${name}: ${hidden} more bad line(s) skipped (not shown)`);
  };

  if (src !== '-' && !opts.noWorker && csvOnWorker(src, opts)) {
    // a big plain CSV file
    stream.destroy();
    interrupt.reading = 'file';
    return onWorker({ path: src });
  }

  holdInterrupt(stream, src === '-');
  const decoder = new StringDecoder('utf8');
  let head = '';
  let parser: Parser | null = null;
  let headChunks: Buffer[] = [];
  let sawBytes = false;
  let bom = true;

  const pick = (): InputFormat => {
    if (head.includes('\u0000') || binaryish(head)) throw inputError(`${name}: binary data, not a text trace (${formatList()} expected)`);
    const lines = head.split('\n', HEAD_LINES + 1).slice(0, HEAD_LINES).map((l) => l.replace(/\r$/, ''));
    let fmt: InputFormat | undefined;
    if (opts.inputFormat) {
      fmt = formatByName(opts.inputFormat);
      if (!fmt) throw usageError(`--input-format: unknown format '${opts.inputFormat}' (known: ${formatList()})`);
    } else {
      fmt = sniffFormat(lines);
      if (!fmt) {
        const like = formats.map((f) => f.resembles?.(lines)).find((d) => d !== undefined);
        if (like) throw inputError(`${name}: looks like ${like}. Paste it with its header, or use --input-format NAME`);
        const first = lines.find((l) => l.trim() !== '') ?? '';
        throw inputError(
          `${name}: unknown input format; tried ${formatList()}. First line: '${first.slice(0, 80)}'. Use --input-format NAME to say which it is`,
        );
      }
    }
    return fmt;
  };
  const start = (fmt: InputFormat): Parser => {
    if (!res.formats.includes(fmt.name)) res.formats.push(fmt.name);
    const p = fmt.create(sink, opts.parser);
    if (p.writeBytes) p.writeBytes(Buffer.concat(headChunks));
    else p.write(head);
    head = '';
    headChunks = [];
    return p;
  };

  const gz = { gzip: false };
  /** Plain CSV on stdin: what was read while sniffing, handed to the worker with the descriptor. */
  let handOver: Buffer | null = null;
  try {
    for await (const chunk of decompressed(stream, name, gz)) {
      if (chunk.length) sawBytes = true;
      res.bytes += chunk.length;
      if (parser?.writeBytes) {
        // the parser reads bytes: no decoding at all
        parser.writeBytes(chunk);
        opts.onChunk?.(chunk.length);
        if (opts.pace) await opts.pace();
        if (interrupt.stopNow) {
          res.partial = true;
          break;
        }
        continue;
      }
      if (!parser) headChunks.push(Buffer.from(chunk)); // the source reuses its buffer
      let text = decoder.write(chunk);
      if (bom) {
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
        if (text.length) bom = false;
      }
      if (parser) parser.write(text);
      else {
        head += text;
        // Sniff as soon as the format is certain (a live pipe may send a few lines a second),
        // else when enough of the input is here to judge.
        if (head.length >= HEAD_BYTES || countLines(head) > HEAD_LINES || confident(head, opts.inputFormat)) {
          const fmt = pick();
          if (src === '-' && fmt.name === 'csv' && !gz.gzip && !opts.noWorker && process.env.IOFAIR_PARSE_WORKER !== '0') {
            // a pipe may run to gigabytes and its size is unknown: always a worker (~40 ms to start)
            handOver = Buffer.concat(headChunks);
            opts.onChunk?.(chunk.length);
            break;
          }
          parser = start(fmt);
        }
      }
      opts.onChunk?.(chunk.length);
      if (opts.pace) await opts.pace();
      if (interrupt.stopNow) {
        res.partial = true;
        break;
      }
    }
  } catch (e) {
    if (!interrupt.stopNow) throw e;
    res.partial = true;
  } finally {
    releaseInterrupt(stream);
    if (src !== '-') stream.destroy();
  }
  if (handOver) {
    interrupt.reading = 'pipe';
    return onWorker({ fd: 0, head: handOver });
  }
  if (interrupt.count > 0) res.partial ||= interrupt.stopNow;
  const tail = decoder.end();
  if (!parser) {
    head += tail;
    if (!sawBytes || head.trim() === '') throw inputError(`${name}: is empty`);
    parser = start(pick());
  } else if (tail && !parser.writeBytes) parser.write(tail);
  parser.end();
  if (hidden > 0) opts.stderr(`iofair: ${name}: ${hidden} more bad line(s) skipped (not shown)`);
}

/** Warnings grouped by the source they name (prefix `name: `), in the sources' order; stable. */
function bySource(warnings: string[], sources: string[]): string[] {
  const rank = (w: string) => {
    const i = sources.findIndex((s) => w.startsWith(`${displayName(s)}: `));
    return i < 0 ? sources.length : i;
  };
  return warnings
    .map((w, i) => ({ w, i, r: rank(w) }))
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((x) => x.w);
}

/**
 * The streams being read (several when sources are merged): interrupt.current stops them all,
 * and interrupt.reading is 'pipe' while stdin is among them.
 */
const reading = new Map<Stoppable, boolean>();
const stopReading: Stoppable = {
  destroy() {
    for (const s of reading.keys()) s.destroy();
  },
};

function holdInterrupt(stream: Stoppable, pipe: boolean): void {
  reading.set(stream, pipe);
  syncInterrupt();
}

function releaseInterrupt(stream: Stoppable): void {
  reading.delete(stream);
  syncInterrupt();
}

function syncInterrupt(): void {
  interrupt.current = reading.size ? stopReading : null;
  interrupt.reading = reading.size === 0 ? null : [...reading.values()].includes(true) ? 'pipe' : 'file';
}

/** Whether the complete lines so far already identify the format with high confidence. */
function confident(head: string, forced: string | undefined): boolean {
  const nl = head.lastIndexOf('\n');
  if (nl < 0) return false;
  if (forced) return true;
  const lines = head.slice(0, nl).split('\n').map((l) => l.replace(/\r$/, ''));
  if (!lines.some((l) => l.trim() !== '')) return false;
  return formats.some((f) => f.sniff(lines) >= 0.8);
}

/**
 * Whether a source is a big plain (not gzip) CSV file, worth parsing on a worker thread. The
 * source was opened (and so checked) by openSource already.
 */
function csvOnWorker(path: string, opts: ReadOptions): boolean {
  // IOFAIR_PARSE_WORKER=0 never uses the worker, =1 uses it for any size (tests)
  const env = process.env.IOFAIR_PARSE_WORKER;
  if (env === '0') return false;
  let fd = -1;
  try {
    if (env !== '1' && statSync(path).size < WORKER_MIN_BYTES) return false;
    fd = openSync(path, 'r');
    const b = Buffer.alloc(HEAD_BYTES);
    const n = readSync(fd, b, 0, b.length, 0);
    if (n >= 2 && b[0] === 0x1f && b[1] === 0x8b) return false;
    const lines = b.toString('utf8', 0, n).replace(/^\uFEFF/, '').split('\n', HEAD_LINES).map((l) => l.replace(/\r$/, ''));
    lines.pop(); // may be cut
    const fmt = opts.inputFormat ? formatByName(opts.inputFormat) : sniffFormat(lines);
    return fmt?.name === 'csv';
  } catch {
    return false;
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

function countLines(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i >= 0 && n <= HEAD_LINES; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

/** Mostly non-printable text (after UTF-8 decoding): replacement chars and C0 controls. */
function binaryish(s: string): boolean {
  const sample = s.slice(0, 4096);
  if (!sample.length) return false;
  let bad = 0;
  for (let i = 0; i < sample.length; i++) {
    const c = sample.charCodeAt(i);
    if (c === 0xfffd || (c < 32 && c !== 9 && c !== 10 && c !== 13)) bad++;
  }
  return bad / sample.length > 0.1;
}

export function formatList(): string {
  return formats.map((f) => f.name).join(', ');
}
