// A one-line progress note on stderr for big inputs: bytes, records, rate and (for files) ETA.
// Only on a TTY, never in CI or with --quiet, at most 10 updates a second, erased at the end.

import { fmtBytes, fmtNum } from '../report/format.js';
import { clearProgress, progressLine } from './messages.js';

const PROGRESS_MIN_BYTES = 64 * 1024 * 1024;

export class Progress {
  private last = 0;
  private readonly t0 = Date.now();
  bytes = 0;

  constructor(
    private readonly totalBytes: number | null,
    private readonly records: () => number,
    private readonly enabled: boolean,
  ) {}

  /** Whether progress should be drawn at all for these sources. */
  static wanted(quiet: boolean, totalBytes: number | null, isPipe: boolean): boolean {
    if (quiet || !process.stderr.isTTY || process.env.CI) return false;
    return isPipe || (totalBytes !== null && totalBytes >= PROGRESS_MIN_BYTES);
  }

  add(n: number): void {
    this.bytes += n;
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 100) return;
    this.last = now;
    const secs = (now - this.t0) / 1000;
    const rate = secs > 0 ? this.bytes / secs : 0;
    let line = fmtBytes(this.bytes);
    if (this.totalBytes) line += ` of ${fmtBytes(this.totalBytes)} (${((100 * this.bytes) / this.totalBytes).toFixed(0)} %)`;
    line += `, ${fmtNum(this.records())} records, ${fmtBytes(rate)}/s`;
    if (this.totalBytes && rate > 0) line += `, ETA ${Math.max(0, (this.totalBytes - this.bytes) / rate).toFixed(0)} s`;
    progressLine(line);
  }

  done(): void {
    clearProgress();
  }
}
