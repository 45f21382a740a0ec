import { Command, Option } from 'commander';
import { isatty } from 'node:tty';
import { Analyzer } from '../core/analyze.js';
import { SpoolReplayStore } from './spool.js';
import { parallelReplayRunner } from './replay-workers.js';
import { addReplayOptions, replayOptionsFrom } from './replay-options.js';
import { evaluateFailOn, parseFailOn, type FailOnExpr } from './fail-on.js';
import { verdictText } from '../report/verdict.js';
import { InvalidArgumentError } from 'commander';
import { TimeBase, type Platform } from '../records.js';
import { renderers } from '../report/registry.js';
import { emitReport } from './report-output.js';
import { formatOption, renderSetup } from './render-setup.js';
import { TIME_UNIT_NAMES, timeUnitNs } from '../parsers/csv.js';
import { formatByName, formats } from '../parsers/registry.js';
import { newReadResult, readSources } from './input.js';
import { EXIT_THRESHOLD, inputError, usageError } from './errors.js';
import { durationOption } from './units.js';
import { parseWeights, readWeightsFile } from './weights.js';
import { toolVersion } from './version.js';
import { Progress } from './progress.js';
import type { Analysis } from '../core/analysis.js';
import { statSync } from 'node:fs';

function fileSize(f: string): number {
  try {
    return statSync(f).size;
  } catch {
    return 0;
  }
}

interface AnalyzeFlags {
  format: string;
  json?: boolean;
  output?: string;
  weights?: string;
  weightsFile?: string;
  inputFormat?: string;
  timeUnit?: string;
  columns?: string;
  strict?: boolean;
  reorderWindow: number;
  drainTimeout: number;
  color: boolean;
  quiet?: boolean;
  zoneFrom?: string;
  valueUnit?: string;
  keepFirst?: boolean;
  zones?: string;
  interval?: number;
  every?: number;
  failOn?: FailOnExpr[];
  cap?: string;
}

const EXAMPLES = `
Examples:
  iofair analyze fixtures/noisy-neighbor.csv          per-zone shares and fairness of a CSV trace
  iofair analyze --json trace.csv.gz > report.json     the JSON contract (schema_version 1)
  iofair analyze --weights db=3,web=1 trace.csv        weighted fair shares (zfs-io-priority)
  iofair script dtrace | dtrace -q -s /dev/stdin | iofair analyze -
  iostat -xn 5 | iofair analyze -                      interval tools, read from a pipe

Exit status: 0 ok, 1 a --fail-on threshold was crossed, 2 usage error,
3 unusable input (no valid record, or a bad line under --strict), 130 aborted (second Ctrl-C,
or Ctrl-C during the what-if replay).`;

export function analyzeCommand(): Command {
  const cmd = new Command('analyze')
    .description('read IO traces or interval statistics and report per-zone latency, throughput, device-time share and deviation from the weighted fair share')
    .argument('[files...]', 'trace files (gzip is detected); - or none with piped stdin reads stdin')
    .addOption(formatOption())
    .option('--json', 'same as --format json')
    .option('-o, --output <file>', 'write the report to FILE atomically (a temporary file beside it, then a rename), e.g. the node_exporter textfile directory')
    .option('--weights <spec>', 'zone weights, e.g. db=3,web=1 (default: equal; a weight/priority column also works)')
    .option('--weights-file <file>', 'zone weights from a JSON object {"zone": w} or zone,weight CSV lines')
    .addOption(new Option('--input-format <name>', 'input format instead of sniffing it').choices(formats.map((f) => f.name)))
    .addOption(new Option('--time-unit <unit>', 'unit of CSV time columns without a unit suffix (default ns)').choices(TIME_UNIT_NAMES))
    .option('--columns <spec>', 'map CSV columns, e.g. issue=t0,done=t1,zone=tenant,bytes=len')
    .option('--strict', 'a bad line is fatal (exit 3) instead of skipped and counted')
    .option('--reorder-window <duration>', 'how far out of time order records may arrive (DTrace per-CPU buffers)', durationOption(), 2e9)
    .option('--drain-timeout <duration>', 'after Ctrl-C on a pipe, keep reading this long for the producer\'s last records', durationOption(), 5e9)
    .option('--zone-from <field>', 'iosnoop: which column names the zone (comm|pid|uid|mount|path)')
    .option('--value-unit <unit>', 'DTrace aggregations: unit of the aggregated values (ns|us|ms)')
    .option('--zones <map>', 'zone id to name map for zio-level DTrace output, e.g. 3=db01,5=web02')
    .option('--keep-first', 'interval tools: keep the first (since boot) interval')
    .option('--interval <duration>', 'interval tools: length of one interval when the output has no timestamps', durationOption())
    .option('--every <duration>', 'while reading, print a report of everything so far every DURATION (NDJSON with --format json), then the final one', durationOption())
    .option('--no-color', 'no colour (also NO_COLOR=1); FORCE_COLOR forces it')
    .option('-q, --quiet', 'no notes or progress on stderr (bad lines are still counted)')
    .option('--fail-on <exprs>', "exit 1 when a threshold is crossed, e.g. 'deviation>0.2,jain<0.8,p99>50ms,cap-loss>0.1,db:p99>20ms'", failOnOption);
  addReplayOptions(cmd)
    .addHelpText('after', EXAMPLES)
    .action(async (files: string[], flags: AnalyzeFlags, self: Command) => {
      await runAnalyze(files, flags, self.opts());
    });
  return cmd;
}

/** "a=b,c=d" → Map, for --columns (ROLE=COLUMN) and --zones (ID=NAME). */
function parsePairs(spec: string, flag: string, shape: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const part of spec.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw usageError(`${flag}: expected ${shape}, found '${part}'`);
    m.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return m;
}

function failOnOption(v: string, prev?: FailOnExpr[]): FailOnExpr[] {
  try {
    return [...(prev ?? []), ...parseFailOn(v)];
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

export async function runAnalyze(files: string[], flags: AnalyzeFlags, raw: Record<string, unknown>): Promise<void> {
  let replay;
  try {
    replay = replayOptionsFrom(raw);
  } catch (e) {
    throw usageError((e as Error).message);
  }
  const format = flags.json ? 'json' : flags.format;
  const { renderer, options } = renderSetup(format, flags);
  if (flags.every && !renderer.live)
    throw usageError(`--every: the ${format} format has no live mode (${renderers.filter((r) => r.live).map((r) => r.name).join(' and ')} have)`);
  if (flags.every && flags.output !== undefined && flags.output !== '-') throw usageError('--every prints to stdout; it cannot be combined with --output');
  if (files.length === 0) {
    // isatty, not process.stdin.isTTY: creating process.stdin makes fd 0 non-blocking, and
    // stdin is read by descriptor (see fdread.ts)
    if (isatty(0))
      throw usageError('no input: give a trace file, or pipe one in (e.g. dtrace ... | iofair analyze -). See iofair analyze --help');
    files = ['-'];
  }
  if (files.filter((f) => f === '-').length > 1) throw usageError('stdin (-) can be read only once');

  const weights = new Map<string, number>();
  if (flags.weightsFile) readWeightsFile(flags.weightsFile, weights);
  if (flags.weights) parseWeights(flags.weights, weights);

  const valueUnits: Record<string, number> = { ns: 1, us: 1e3, ms: 1e6 };
  if (flags.valueUnit && !(flags.valueUnit in valueUnits)) throw usageError(`--value-unit: expected ns, us or ms, found '${flags.valueUnit}'`);

  const totalBytes = files.includes('-') ? null : files.reduce((s, f) => s + fileSize(f), 0);
  const timeBase = new TimeBase();
  const store = new SpoolReplayStore();
  process.once('exit', () => store.dispose());
  const analyzer = new Analyzer({
    toolVersion: toolVersion(),
    weightOf: (z) => weights.get(z),
    reorderWindowNs: flags.reorderWindow,
    store,
    replay,
    capSpec: flags.cap ?? 'auto',
    // a big file will want the replay worker: start it while the file is read
    replayRunner: parallelReplayRunner({
      prestart: !!replay?.policies.length && totalBytes !== null && totalBytes > 4e6,
    }),
  });
  const stderr = (line: string) => {
    progress.done();
    process.stderr.write(line + '\n');
  };
  const progress = new Progress(totalBytes, () => analyzer.records, Progress.wanted(!!flags.quiet, totalBytes, files.includes('-')));
  const read = newReadResult();
  const summary = (partial: boolean) => ({
    sources: files,
    format: read.formats.join('+'),
    platform: platformOf(read.formats),
    skipped: read.skipped,
    skipped_by_reason: Object.fromEntries([...read.skippedByReason].sort((a, b) => a[0].localeCompare(b[0]))),
    events_lost: read.eventsLost,
    partial,
  });
  // live: every snapshot, then the final report, in the live form (one NDJSON line each for json)
  const live = flags.every ? renderer.live : undefined;
  const render = (a: Analysis) => (live ? live.render(a, options) : renderer.render(a, options));
  let ticker: NodeJS.Timeout | undefined;
  if (live) {
    const redraw = live.mode === 'redraw' && process.stdout.isTTY;
    ticker = setInterval(() => {
      if (analyzer.records === 0) return;
      const text = render(analyzer.snapshot(summary(true), (ns) => timeBase.seconds(ns)));
      process.stdout.write(redraw ? `\x1b[H\x1b[2J${text}` : live.mode === 'append' ? text : text + '\n');
    }, Math.max(flags.every! / 1e6, 100));
  }
  await readSources(files, analyzer, {
    inputFormat: flags.inputFormat,
    strict: !!flags.strict,
    showSkipped: flags.quiet ? 0 : 5,
    drainTimeoutMs: flags.drainTimeout / 1e6,
    stderr,
    parser: {
      timeBase,
      timeUnitNs: flags.timeUnit ? timeUnitNs(flags.timeUnit) : undefined,
      columns: flags.columns ? parsePairs(flags.columns, '--columns', 'ROLE=COLUMN') : undefined,
      zoneFrom: flags.zoneFrom,
      valueUnitNs: flags.valueUnit ? valueUnits[flags.valueUnit] : undefined,
      keepFirst: flags.keepFirst,
      zones: flags.zones ? parsePairs(flags.zones, '--zones', 'ID=NAME') : undefined,
      intervalNs: flags.interval,
    },
    onChunk: (n) => progress.add(n),
  }, read).finally(() => {
    if (ticker) clearInterval(ticker);
    progress.done();
  });
  if (analyzer.records === 0) {
    const names = files.map((f) => (f === '-' ? '(stdin)' : f)).join(', ');
    throw inputError(`${names}: no valid record${read.skipped ? ` (${read.skipped} line(s) skipped as bad)` : ''}`);
  }
  // The replay runs synchronously (this thread and a worker): no SIGINT handler could run before
  // it ends, so Ctrl-C would be ignored for its whole length. From here Ctrl-C ends the process
  // at once (the default action; the temp files are already unlinked), like any other command.
  process.removeAllListeners('SIGINT');
  const { analysis, verdict } = analyzer.finish(summary(read.partial), (ns) => timeBase.seconds(ns));
  if (verdict) analysis.verdict = verdictText(verdict);
  analysis.warnings.unshift(...read.warnings);
  if (read.skipped) analysis.warnings.push(`${read.skipped} bad line(s) skipped (see stderr; --strict makes them fatal)`);
  store.dispose();
  await emitReport(flags.output, () => render(analysis));
  if (flags.failOn?.length) {
    const crossed = evaluateFailOn(analysis, flags.failOn);
    for (const c of crossed) process.stderr.write(`iofair: --fail-on: ${c}\n`);
    if (crossed.length) process.exitCode = EXIT_THRESHOLD;
  }
}

/** The inputs' common platform, or 'neutral' when they differ or none has one. */
function platformOf(formatNames: string[]): Platform {
  const ps = new Set(formatNames.map((n) => formatByName(n)?.platform ?? 'neutral'));
  return ps.size === 1 ? [...ps][0] : 'neutral';
}
