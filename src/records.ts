// The records parsers produce and the core consumes. This is the only module the two share.
//
// Timestamps are integer nanoseconds *relative to the run's time base* (see TimeBase): epoch
// nanoseconds (~1.7e18) exceed 2^53, so parsers subtract the base exactly before a value becomes
// a Number. `TimeBase.seconds` maps them back to absolute time.

export type Op = 'R' | 'W';

export type Fidelity = 'events' | 'intervals' | 'histograms';

/** The platform an input came from (its tool's), or 'neutral'. */
export type Platform = 'illumos' | 'linux' | 'neutral';

/** The per-IO tracer to suggest on a platform, for what interval and histogram inputs cannot show. */
export function perIoTracer(platform: Platform): string {
  return platform === 'illumos' ? 'iofair script dtrace' : platform === 'linux' ? 'biosnoop, or iofair script bpftrace' : 'a per-IO trace';
}

/**
 * What a zone stands for. 'tenant' (the default) is a tenant; 'kernel' is IO no tenant was
 * charged for (kernel threads such as kworker or jbd2, the root cgroup); 'unknown' is IO whose
 * issuer the trace does not name. Only tenants are ranked (fairness index, verdict).
 */
export type ZoneKind = 'tenant' | 'kernel' | 'unknown';

/** What interval tools report (vfsstat, ziostat, iostat, io.stat deltas) for one zone or device. */
export interface IntervalSample {
  kind: 'zone' | 'device';
  /** Zone name (kind 'zone') or device name (kind 'device'). */
  name: string;
  /**
   * For a zone: the device its IO went to, when the tool says (io.stat MAJ:MIN); for a device:
   * its MAJ:MIN when the tool prints one (/proc/diskstats), so zone samples naming the device by
   * number can be matched to it.
   */
  device?: string;
  startNs: number;
  durationNs: number;
  readOps: number;
  writeOps: number;
  readBytes: number;
  writeBytes: number;
  /** Mean latency per op over the interval (ns), all ops; undefined when the tool has none. */
  avgLatencyNs?: number;
  readLatencyNs?: number;
  writeLatencyNs?: number;
  /**
   * Mean time per op at the device itself, excluding OS wait queues (illumos asvc_t, ziostat
   * asvc_t), when the tool separates it; the interval analysis prefers it for device time.
   */
  serviceLatencyNs?: number;
  /** Fraction of the interval the device (or zone, vfsstat %r+%w) was busy; may exceed 1 for zones. */
  utilization?: number;
  /** Mean number of IOs queued/active (iostat actv/aqu-sz). */
  queueDepth?: number;
  /** Ops delayed by the SmartOS ZFS throttle in the interval (vfsstat d/s × duration). */
  throttledOps?: number;
  /** Mean throttle delay per delayed op (ns) (vfsstat del_t). */
  throttleDelayNs?: number;
  /**
   * Device time in the interval, when the tool measures or charges it directly: for a zone, the
   * device time it used (DTraceToolkit iotop DISKTIME or %I/O, iocost's cost.usage); for a device,
   * the time it was busy (/proc/diskstats io_ticks). Preferred to ops × latency.
   */
  deviceTimeNs?: number;
  /**
   * Time tasks of this zone were stalled waiting for IO in the interval: PSI `some` (cgroup
   * io.pressure, /proc/pressure/io), or a process's block-IO delay (pidstat iodelay).
   */
  pressureStallNs?: number;
  /** Time all non-idle tasks of this zone were stalled on IO at once (PSI `full`). */
  pressureFullNs?: number;
  /**
   * The counts are totals over a window of unknown length (one snapshot of cumulative counters,
   * e.g. io.stat or /proc/diskstats read once): durationNs is nominal, so no rate may be derived.
   */
  cumulative?: boolean;
  weight?: number;
}

/** One bucket of a latency histogram: values v with lo ≤ v < hi (ns). lo may be -Infinity, hi Infinity. */
export interface HistogramBucket {
  lo: number;
  hi: number;
  count: number;
}

/** DTrace quantize()/lquantize(), biolatency: one histogram per key (usually a zone). */
export interface LatencyHistogram {
  key: string;
  /** Extra key components (e.g. device, op) when the aggregation had more than one key. */
  subkeys?: string[];
  buckets: HistogramBucket[];
  /** Human description of the bucket resolution, e.g. "power-of-two" or "linear 10 ms". */
  resolution: string;
  /** Exact sum of the values (ns), when the tool prints it (biolatency -e): gives the exact mean. */
  sumNs?: number;
}

/**
 * Why a line was skipped, as a stable code (the way csv-parse names its errors): tests and the
 * JSON report's input.skipped_by_reason use these, never the wording of the message.
 */
export const SKIP_CODES = [
  /** A row with more or fewer fields than its header (or its format) has. */
  'FIELD_COUNT',
  /** A numeric field (count, size, time, id) that does not parse as the number it must be. */
  'NOT_A_NUMBER',
  /** A value that must not be negative. */
  'NEGATIVE',
  /** An operation that is neither a read nor a write. */
  'BAD_OP',
  /** A required name (zone, device) that is empty. */
  'EMPTY_FIELD',
  /** A completion before its own issue. */
  'DONE_BEFORE_ISSUE',
  /** A row where the format needs a header (or a block start) first. */
  'NO_HEADER',
  /** A header the parser cannot use (unknown version, missing columns). */
  'BAD_HEADER',
  /** A row of the right kind that lacks a column the format needs. */
  'MISSING_COLUMN',
  /** CSV quoting that does not balance. */
  'BAD_QUOTES',
  /** A last line cut off (no newline at the end of the input). */
  'TRUNCATED',
  /** A line longer than any the format produces. */
  'LINE_TOO_LONG',
  /** A line with a NUL byte: binary data inside a text trace. */
  'NUL_BYTE',
  /** A JSON element that does not parse or has the wrong shape. */
  'BAD_JSON',
  /** A histogram whose rows do not form a distribution. */
  'BAD_HISTOGRAM',
  /** A line that matches none of the format's row shapes. */
  'BAD_ROW',
  /** An IO whose latency is beyond --max-latency: a stuck device or a corrupt record. */
  'IMPLAUSIBLE_LATENCY',
] as const;
export type SkipCode = (typeof SKIP_CODES)[number];

/**
 * Where parsers deliver records. The hot path (`io`) takes positional primitives so parsers
 * never allocate an object per record.
 */
export interface RecordSink {
  io(zone: string, device: string, op: Op, bytes: number, issueNs: number, doneNs: number, weight?: number): void;
  interval(s: IntervalSample): void;
  histogram(h: LatencyHistogram): void;
  /**
   * A bad line: skipped (counted by `code` in the report's input.skipped_by_reason) or, under
   * --strict, fatal. `line` is 1-based within the source, or 0 when the line is not known (a
   * record stopped after its parser); `reason` is for people, `code` for tests and machines.
   */
  skip(line: number, code: SkipCode, reason: string): void;
  /** Events the producer says it lost (e.g. `dtrace: 12 drops on CPU 3`). */
  lost(count: number, what: string): void;
  /** A note for the report's warnings[] (e.g. "iosnoop has no zone column: zones taken from COMM"). */
  warn(message: string): void;
  /**
   * Optional: declares that a zone is not a tenant (kernel threads, unknown issuer). Parsers
   * call it once per zone, before or after its first record; zones never declared are tenants.
   */
  zoneKind?(zone: string, kind: ZoneKind): void;
}

const DECIMAL = /^\s*([+-]?)(\d+)(?:\.(\d*))?\s*$/;

/**
 * Exact conversion of absolute timestamps to integer ns relative to one base for the whole run:
 * the first timestamp parsed, whatever its magnitude, so that small and epoch-sized timestamps are
 * treated alike and shifting every timestamp by a constant changes no result but the absolute
 * start and end. Relative values are exact within ±2^53 ns (104 days) of the base.
 */
export class TimeBase {
  /** Absolute ns of relative 0 (the first timestamp parsed), or null before any. */
  baseNs: bigint | null = null;
  // baseNs = baseSec · 1e9 + baseFrac, both exact Numbers (0 ≤ baseFrac < 1e9); baseSmall is
  // baseNs when it is within 2^53 (exact), else NaN. NaN until the base is set: a field that
  // starts as a small integer and later holds a double changes its object's shape, which costs
  // the CSV fast path ~5 %.
  private baseSec = NaN;
  private baseFrac = NaN;
  private baseSmall = NaN;

  /**
   * `digits` is an unsigned or signed decimal integer string, or a decimal with a fraction;
   * `nsPerUnit` is 1 for ns, 1000 for µs, 1e6 for ms, 1e9 for s. Returns NaN when not a number.
   */
  toNs(digits: string, nsPerUnit: number): number {
    const m = DECIMAL.exec(digits);
    if (!m) return NaN;
    const unitDigits = Math.round(Math.log10(nsPerUnit));
    // Up to 15 digits with no sub-ns part are exact as Numbers: no BigInt while the base is small too.
    if (digits.length <= 15 && this.baseNs !== null && !Number.isNaN(this.baseSmall) && (m[3] ?? '').length <= unitDigits) {
      const v = Math.round(Number(digits) * nsPerUnit);
      if (Math.abs(v) < 1e15) return v - this.baseSmall;
    }
    const frac = (m[3] ?? '').padEnd(unitDigits, '0').slice(0, unitDigits);
    let abs = BigInt(m[2]) * BigInt(nsPerUnit) + (frac ? BigInt(frac) : 0n);
    if (m[1] === '-') abs = -abs;
    return this.fromBig(abs);
  }

  private setBase(abs: bigint): void {
    this.baseNs = abs;
    let sec = abs / 1000000000n;
    let frac = abs % 1000000000n;
    if (frac < 0n) {
      frac += 1000000000n;
      sec -= 1n;
    }
    this.baseSec = Number(sec);
    this.baseFrac = Number(frac);
    this.baseSmall = abs >= -9007199254740991n && abs <= 9007199254740991n ? Number(abs) : NaN;
  }

  /**
   * The fast path of toNs for a non-negative integer already split into `hi` (all but the last 9
   * digits, at most 15 of them) and `lo` (the last 9 digits), in units of `nsPerUnit` (1, 1e3,
   * 1e6 or 1e9): without BigInt (after the first value), exact as long as the result relative to
   * the base is within 2^53 ns.
   */
  fromParts(hi: number, lo: number, nsPerUnit: number): number {
    // Kept small so that the CSV fast path inlines it: a call that is not inlined boxes the
    // double it returns.
    const secs = hi * nsPerUnit; // whole seconds in hi
    if (this.baseNs === null || secs > 9007199254740991) return this.fromPartsExact(hi, lo, nsPerUnit);
    // each term exact: (whole seconds from the base)·1e9 + ns, then the base's fraction
    return (secs - this.baseSec) * 1e9 + lo * nsPerUnit - this.baseFrac;
  }

  private fromPartsExact(hi: number, lo: number, nsPerUnit: number): number {
    return this.fromBig((BigInt(hi) * 1000000000n + BigInt(lo)) * BigInt(nsPerUnit));
  }

  private fromBig(abs: bigint): number {
    if (this.baseNs === null) this.setBase(abs);
    return Number(abs - this.baseNs!);
  }

  /** Take another TimeBase's base (a parsing worker's), so every source shares one. */
  adopt(baseNs: bigint): void {
    this.setBase(baseNs);
  }

  /** Absolute seconds for a relative ns value. */
  seconds(relNs: number): number {
    if (this.baseNs === null) return relNs / 1e9;
    return this.baseSec + (this.baseFrac + relNs) / 1e9;
  }
}
