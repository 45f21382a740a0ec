// Reading sources: files, stdin, gzip (by magic bytes), BOM, format sniffing, bad-line accounting,
// and Ctrl-C behaviour while reading a pipe. The only place that opens input.

import { closeSync, constants, createReadStream, openSync, readSync, statSync } from 'node:fs';
import { Socket } from 'node:net';
import { implausible, parseInWorker, WORKER_MIN_BYTES, type IdTarget, type ParseJob } from './parse-workers.js';
import { dropParseWorker } from './parse-prestart.js';
import { readFd } from './fdread.js';
import { createGunzip } from 'node:zlib';
import { StringDecoder } from 'node:string_decoder';
import { once } from 'node:events';
import type { IntervalSample, LatencyHistogram, Op, RecordSink, SkipCode, ZoneKind } from '../records.js';
import type { InputFormat, Parser, ParserOptions } from '../parsers/types.js';
import { createParser, formatByName, formats, sniffFormat } from '../parsers/registry.js';
import { errnoText, inputError, usageError } from './errors.js';
import { warning } from './messages.js';
import { readMerged } from './merge-sources.js';

/** Where records go (the core's Analyzer). */
export interface RecordTarget {
  io(zone: string, device: string, op: Op, bytes: number, issueNs: number, doneNs: number, weight?: number, offset?: number): void;
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
  /** --max-latency (ns): an IO that took longer is skipped as IMPLAUSIBLE_LATENCY. */
  maxLatencyNs: number;
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

function displayName(src: string): string {
  return src === '-' ? '(stdin)' : src;
}

interface Opened {
  source: Source;
  /** A pipe (stdin, a named pipe, `<(…)`): Ctrl-C drains it instead of stopping at once. */
  pipe: boolean;
}

/** Opens a source; what cannot be opened is a usage error naming it (exit 2). */
function openSource(src: string): Opened {
  if (src === '-') return { source: stdinSource(), pipe: true };
  const cannot = (e: unknown) => {
    const code = (e as NodeJS.ErrnoException).code;
    return usageError(`${src}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : errnoText(e)}`);
  };
  let st;
  try {
    st = statSync(src);
  } catch (e) {
    throw cannot(e);
  }
  if (st.isDirectory()) throw usageError(`${src}: is a directory`);
  if (st.isSocket()) throw usageError(`${src}: is a socket (iofair reads files and pipes)`);
  if (st.isFIFO()) {
    try {
      return { source: fifoSource(src), pipe: true };
    } catch (e) {
      throw cannot(e);
    }
  }
  let fd;
  try {
    fd = openSync(src, 'r');
  } catch (e) {
    throw cannot(e);
  }
  // 256 KiB reads: with 1 MiB ones the short-lived chunk buffers let RSS creep from 75 to
  // 85–135 MiB over a 10M-record file; 256 KiB keeps it flat and is no slower
  return { source: createReadStream(src, { fd, highWaterMark: 1 << 18 }), pipe: false };
}

/**
 * A named pipe (mkfifo, or bash's `<(…)`), read through the event loop: opened non-blocking (so
 * the open does not wait for a writer) and read when epoll says so. A read on the thread pool
 * would block a thread that even process.exit waits for, so Ctrl-C could not end iofair before
 * the producer closed the pipe.
 */
function fifoSource(path: string): Source {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  return new Socket({ fd, readable: true, writable: false });
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
          throw inputError(`(stdin): cannot read: ${errnoText(e)}`);
        }
        if (n < 0) interrupt.abandoned = true;
        if (n <= 0) return;
        yield buf.subarray(0, n);
      }
    },
    destroy: () => giveUp(),
  };
}

interface GzipState {
  /** The source starts with the gzip magic. */
  gzip: boolean;
  /** Why the gzip data stopped early (truncated or corrupt), when it did. */
  damaged?: string;
}

/**
 * Bytes of a source, gunzipped when it starts with the gzip magic 1f 8b (then `gz.gzip` is set).
 * Like the source's, each chunk is valid only until the next is taken. Gzip data that ends early
 * or turns corrupt ends the bytes there, with `gz.damaged` saying why: what decompressed before
 * is kept (zlib hands it all out before its error).
 */
async function* decompressed(stream: Source, gz: GzipState = { gzip: false }): AsyncGenerator<Buffer> {
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
    if (isSystemError(e)) throw e; // reading the file failed: not the data's fault
    gz.damaged =
      (e as NodeJS.ErrnoException).code === 'Z_BUF_ERROR'
        ? 'the gzip data ends early (a truncated file)'
        : `the gzip data is corrupt (${(e as Error).message}), so what was read before it may be wrong too`;
    return;
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
  try {
    return await readAll(sources, target, opts, res);
  } finally {
    dropParseWorker(); // started early for a big CSV input that turned out not to need it
  }
}

async function readAll(sources: string[], target: RecordTarget, opts: ReadOptions, res: ReadResult): Promise<ReadResult> {
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
  const { source: stream, pipe } = openSource(src);
  let shown = 0;
  let hidden = 0;
  const sink: RecordSink = {
    io(z, d, op, b, i, dn, w, off) {
      const lat = dn - i;
      if (lat >= 0 && lat <= opts.maxLatencyNs) target.io(z, d, op, b, i, dn, w, off);
      // parsers skip these with their line; this is the net for one that does not
      else if (!(lat >= 0)) sink.skip(0, 'DONE_BEFORE_ISSUE', 'a record whose completion is before its issue');
      else sink.skip(0, 'IMPLAUSIBLE_LATENCY', implausible(lat, opts.maxLatencyNs));
    },
    interval: (s) => target.interval(s),
    histogram: (h) => target.histogram(h),
    zoneKind: (z, k) => target.zoneKind?.(z, k),
    skip(line, code, reason) {
      res.skipped++;
      res.skippedByReason.set(code, (res.skippedByReason.get(code) ?? 0) + 1);
      const where = line > 0 ? `${name}:${line}` : name;
      if (opts.strict) throw inputError(`${where}: ${reason} (--strict)`);
      if (shown < opts.showSkipped) {
        shown++;
        warning(`${where}: ${reason}; ${line > 0 ? 'line' : 'record'} skipped`);
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
  const job = {
    timeUnitNs: opts.parser.timeUnitNs,
    columns: opts.parser.columns ? [...opts.parser.columns] : undefined,
    maxLatencyNs: opts.maxLatencyNs,
  };
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
      // a read error in the worker is the input's; anything else there is a bug (exit 70)
      if (isSystemError(e)) throw inputError(`${name}: cannot read: ${errnoText(e)}`);
      throw e;
    } finally {
      wp.stop();
      interrupt.current = null;
      interrupt.reading = null;
    }
    if (interrupt.stopNow) res.partial = true;
    if (hidden > 0) warning(`${name}: ${hidden} more bad line(s) skipped (not shown)`);
  };

  if (!pipe && !opts.noWorker && csvOnWorker(src, opts)) {
    // a big plain CSV file
    stream.destroy();
    interrupt.reading = 'file';
    return onWorker({ path: src });
  }

  holdInterrupt(stream, pipe);
  const decoder = new StringDecoder('utf8');
  let head = '';
  let parser: Parser | null = null;
  let headChunks: Buffer[] = [];
  let sawBytes = false;
  let bom = true;

  const pick = (): InputFormat => {
    // mostly binary: not a trace at all (a stray NUL byte is one bad line, skipped as NUL_BYTE)
    if (binaryish(head)) throw inputError(`${name}: binary data, not a text trace (${formatList()} expected)`);
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
    dropParseWorker(); // this source is parsed here
    if (!res.formats.includes(fmt.name)) res.formats.push(fmt.name);
    const p = createParser(fmt, sink, opts.parser);
    if (p.writeBytes) p.writeBytes(Buffer.concat(headChunks));
    else p.write(head);
    head = '';
    headChunks = [];
    return p;
  };

  const gz: GzipState = { gzip: false };
  let sourceBytes = 0;
  /** Plain CSV on stdin: what was read while sniffing, handed to the worker with the descriptor. */
  let handOver: Buffer | null = null;
  try {
    for await (const chunk of decompressed(stream, gz)) {
      if (chunk.length) sawBytes = true;
      res.bytes += chunk.length;
      sourceBytes += chunk.length;
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
    if (!interrupt.stopNow) throw isSystemError(e) ? inputError(`${name}: cannot read after ${sourceBytes} bytes: ${errnoText(e)}`) : e;
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
  if (gz.damaged) {
    // the records before the damage count; the report says it is partial
    const w = `${name}: ${gz.damaged}; the ${sourceBytes} bytes decompressed before it were read`;
    warning(w);
    res.warnings.push(w);
    res.partial = true;
  }
  const tail = decoder.end();
  if (!parser) {
    head += tail;
    if (!sawBytes || head.trim() === '') throw inputError(`${name}: is empty`);
    parser = start(pick());
  } else if (tail && !parser.writeBytes) parser.write(tail);
  parser.end();
  if (hidden > 0) warning(`${name}: ${hidden} more bad line(s) skipped (not shown)`);
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
    const st = statSync(path);
    if (!st.isFile() || (env !== '1' && st.size < WORKER_MIN_BYTES)) return false;
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

/** An error from the operating system (a failed read), as opposed to a bug. */
function isSystemError(e: unknown): boolean {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && typeof (e as NodeJS.ErrnoException).syscall === 'string';
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

function formatList(): string {
  return formats.map((f) => f.name).join(', ');
}
