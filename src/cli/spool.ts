// A ReplayStore that keeps the first blocks in memory and spills the rest to a temporary file,
// so the replay input (64 bytes per IO) never makes memory grow with the trace; and the replay's
// SpillArea for the IO it holds queued. Each temp file is removed from the directory as soon as
// it is open (the threads share the descriptor), so nothing is left behind however the process
// ends: a Ctrl-C during the replay, which is not interruptible, ends it at once.

import { closeSync, mkdtempSync, openSync, readSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SPILL_STRIDE, type ReplayStore, type SpillArea } from '../core/replay/types.js';
import { CliError, EXIT_USAGE } from './errors.js';

export interface SpoolLayout {
  /** Blocks kept in memory, in order, before the spilled ones. */
  memory: [Float64Array, number][];
  /** The spill file's descriptor (blocks back to back as raw float64; the file is unlinked), or -1. */
  fd: number;
  /** Lengths (numbers) of the spilled blocks, in order. */
  spilled: number[];
}

export class SpoolReplayStore implements ReplayStore {
  private mem: [Float64Array, number][] = [];
  private memBytes = 0;
  private fd = -1;
  /** Lengths (numbers) of the blocks in the file, in order. */
  private spilled: number[] = [];

  // 8 MB: beyond it, reading blocks back from the (page-cached) file costs no measurable time,
  // and the replay worker thread already takes ~19 MB of its own (1M-record trace: peak RSS
  // 164 MiB with 32 MB here, 137–146 MiB with 8 MB, same wall time)
  constructor(private readonly memLimitBytes = 8 * 1024 * 1024) {}

  append(block: Float64Array, length: number): void {
    if (this.memBytes + length * 8 <= this.memLimitBytes) {
      // on shared memory, so that the replay's worker thread reads them without a copy
      const shared = new Float64Array(new SharedArrayBuffer(length * 8));
      shared.set(length === block.length ? block : block.subarray(0, length));
      this.mem.push([shared, length]);
      this.memBytes += length * 8;
      return;
    }
    try {
      if (this.fd < 0) this.fd = openUnlinked('replay.bin');
      writeFully(this.fd, new Uint8Array(block.buffer, block.byteOffset, length * 8), null);
    } catch (e) {
      throw tempFileError(e);
    }
    this.spilled.push(length);
  }

  /** Where the blocks are, for a reader in another thread (src/cli/replay-workers.ts). */
  layout(): SpoolLayout {
    return { memory: this.mem, fd: this.fd, spilled: this.spilled };
  }

  blocks(): Iterable<[Float64Array, number]> {
    return spoolBlocks(this.mem, this.fd, this.spilled);
  }

  dispose(): void {
    this.mem = [];
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

/** A new temp file, open read-write, already removed from its (also removed) directory. */
export function openUnlinked(name: string): number {
  const dir = mkdtempSync(join(tmpdir(), 'iofair-'));
  try {
    const path = join(dir, name);
    const fd = openSync(path, 'w+', 0o600);
    unlinkSync(path);
    return fd;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The spool's blocks: those in memory, then the file's (`fd`, lengths `spilled`) read into one
 * reused buffer, so a block is valid until the next is taken. (A new buffer per block left ~50 MB
 * of garbage array buffers behind on the 10M benchmark trace.)
 */
export function* spoolBlocks(memory: [Float64Array, number][], fd: number, spilled: number[]): Generator<[Float64Array, number]> {
  yield* memory;
  let buf = new Float64Array(0);
  let pos = 0;
  for (const len of spilled) {
    if (buf.length < len) buf = new Float64Array(len);
    readFully(fd, new Uint8Array(buf.buffer, 0, len * 8), pos);
    pos += len * 8;
    yield [buf, len];
  }
}

/** A temp file that cannot be made or written (TMPDIR missing, read-only or full): the user's to fix. */
export function tempFileError(e: unknown): CliError {
  if (e instanceof CliError) return e;
  const code = (e as NodeJS.ErrnoException).code;
  const why = code === 'ENOSPC' ? 'no space left' : code ?? (e as Error).message;
  return new CliError(
    `cannot write the replay's temporary file in ${tmpdir()} (${why}): set TMPDIR to a writable directory with room ` +
      '(64 bytes per IO, ~640 MB for 10M records, plus the IO a replay holds queued), or use --policy none',
    EXIT_USAGE,
  );
}

/** Reads exactly bytes.length bytes at pos (a short read means the temp file was cut). */
export function readFully(fd: number, bytes: Uint8Array, pos: number): void {
  let got = 0;
  while (got < bytes.length) {
    const n = readSync(fd, bytes, got, bytes.length - got, pos + got);
    if (n <= 0) throw new Error('replay temp file ended early');
    got += n;
  }
}

function writeFully(fd: number, bytes: Uint8Array, pos: number | null): void {
  let put = 0;
  while (put < bytes.length) put += writeSync(fd, bytes, put, bytes.length - put, pos === null ? null : pos + put);
}

/**
 * The replay's SpillArea: a temp file of fixed-size chunks, created at the first spill; a chunk
 * read back frees its place for the next write, so the file grows with the IO spilled at once,
 * not with the trace. A simulation of a device holds 4096 queued IOs in memory across its zones
 * (1024 per zone queue or wait list at most, 128 at least) and spills in 64-IO chunks (5 KB): on
 * the 50-zone benchmark trace (1M records) the analysis then peaks at 272 MiB in 5.8 s, where
 * 1024 per zone queue and 256-IO chunks peak at 318 MiB in 6.2 s (their queues hold ~22 MB of
 * slots per thread; smaller queues stay in cache).
 */
export class SpillFile implements SpillArea {
  private fd = -1;
  private end = 0;
  private free: number[] = [];

  constructor(
    readonly spillAt = 1024,
    readonly chunkIos = 64,
    readonly queuedBudget = 4096,
  ) {}

  write(data: Float64Array): number {
    const size = this.chunkIos * SPILL_STRIDE * 8;
    try {
      if (this.fd < 0) this.fd = openUnlinked('queued.bin');
      const pos = this.free.pop() ?? (this.end += size) - size;
      writeFully(this.fd, new Uint8Array(data.buffer, data.byteOffset, size), pos);
      return pos;
    } catch (e) {
      throw tempFileError(e);
    }
  }

  read(handle: number, into: Float64Array): void {
    readFully(this.fd, new Uint8Array(into.buffer, into.byteOffset, this.chunkIos * SPILL_STRIDE * 8), handle);
    this.free.push(handle);
  }

  dispose(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}
