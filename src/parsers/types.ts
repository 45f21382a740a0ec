import type { Fidelity, Platform, RecordSink, TimeBase } from '../records.js';

/** Options every parser may read; each ignores what does not apply to it. */
export interface ParserOptions {
  timeBase: TimeBase;
  /** --time-unit: ns per unit for unsuffixed CSV time columns (default 1 = ns). */
  timeUnitNs?: number;
  /** --columns issue=COL,done=COL,... (CSV). */
  columns?: Map<string, string>;
  /** --zone-from for iosnoop (comm|pid|uid|mount|path). */
  zoneFrom?: string;
  /** --value-unit for DTrace aggregations: ns per unit of the aggregated value (default 1). */
  valueUnitNs?: number;
  /** --keep-first: keep the since-boot first interval of interval tools. */
  keepFirst?: boolean;
  /** --interval: ns between reports of interval tools that print no timestamps (default 1 s). */
  intervalNs?: number;
  /** --zones id=name map for DTrace zio-level scripts. */
  zones?: Map<string, string>;
}

/** A parser instance for one source: feed it bytes, then end(). */
export interface Parser {
  write(chunk: string): void;
  /**
   * Optional: the input's raw bytes (UTF-8; BOM included). When a parser has it, the reader
   * feeds every chunk here and never decodes: use one of write / writeBytes, not both.
   */
  writeBytes?(chunk: Buffer): void;
  end(): void;
}

export interface InputFormat {
  /** Name used by --input-format and in reports. */
  name: string;
  fidelity: Fidelity;
  /**
   * Whose tool prints this format, so that advice is given in that platform's terms (the SmartOS
   * zone throttle for illumos, io.max/io.weight/io.latency/io.cost for Linux); 'neutral' for
   * formats any platform produces (CSV).
   */
  platform: Platform;
  /** One-line description for --help. */
  description: string;
  /**
   * Confidence 0..1 that `head` (the first lines of the input, BOM stripped, at most ~50) is this
   * format. The registry picks the highest; 0 means "not mine".
   */
  sniff(head: string[]): number;
  /**
   * Optional, asked when no format claims an input: a description of the format these lines look
   * like and why they were not read (e.g. "sysstat iostat -x output … but the header is missing"),
   * for the error message; undefined when they do not look like this format.
   */
  resembles?(head: string[]): string | undefined;
  create(sink: RecordSink, opts: ParserOptions): Parser;
}
