import { Command, Option } from 'commander';
import { isatty } from 'node:tty';
import { Analyzer } from '../core/analyze.js';
import { SpoolReplayStore } from './spool.js';
import { parallelReplayRunner } from './replay-workers.js';
import { addReplayOptions, replayOptionsFrom } from './replay-options.js';
import { checkFailOnPolicies, FAIL_ON_HELP, judgeFailOn, parseFailOn, type FailOnExpr } from './fail-on.js';
import { unknownZoneWarnings } from './unknown-zones.js';
import { knownPolicyNames, type ReplayOptions } from '../core/replay/index.js';
import { DURATION_UNIT_NS } from '../units.js';
import { verdictText } from '../report/verdict.js';
import { InvalidArgumentError } from 'commander';
import { TimeBase, type Platform } from '../records.js';
import { renderers } from '../report/registry.js';
import { emitReport } from './report-output.js';
import { formatOption, formatsHelp, renderSetup, sortOption } from './render-setup.js';
import { sortZones, type SortKey } from '../core/sort.js';
import { TIME_UNIT_NAMES, timeUnitNs } from '../parsers/vocabulary.js';
import { formatByName, formats } from '../parsers/registry.js';
import { newReadResult, readSources } from './input.js';
import { EXIT_THRESHOLD, EXIT_USAGE, exitCodeHelp, inputError, usageError } from './errors.js';
import { errorLine, message, setQuiet, warning } from './messages.js';
import { durationOption } from './units.js';
import { parseWeights, readWeightsFile } from './weights.js';
import { parseParallelism } from './parallelism.js';
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
  sort: SortKey;
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
  maxLatency: number;
  color: boolean;
  quiet?: boolean;
  zoneFrom?: string;
  valueUnit?: string;
  keepFirst?: boolean;
  zones?: string;
  interval?: number;
  every?: number;
  failOn?: FailOnExpr[];
  parallelism?: string;
  cost: 'service' | 'model';
}

const HOUR = 3600e9;
const LONGEST = { max: HOUR, maxWhy: 'longer than any producer needs' };
/**
 * --max-latency's default, one hour: operating systems give up on or report a stuck IO within
 * minutes (Linux retries a SCSI command that times out after 30 s a few times, then fails it, and
 * warns of tasks blocked for 120 s), so an IO that took longer is a corrupt time (one extra digit
 * makes a 9-year latency) rather than a measurement.
 */
const MAX_LATENCY_NS = HOUR;
const MAX_LATENCY = { min: 1e6, minWhy: 'no device answers every IO within a millisecond', max: 365 * 24 * HOUR, maxWhy: 'a year' };
const INTERVAL = { min: 1e6, minWhy: 'interval tools report at most once a millisecond', max: 24 * HOUR, maxWhy: 'one day' };
const EVERY = {
  min: 100e6,
  minWhy: 'each report is rebuilt from everything read so far; more often than every 100ms it slows the reading',
  max: 24 * HOUR,
  maxWhy: 'one day',
};

const EXAMPLES = `
Examples:
  iofair analyze fixtures/noisy-neighbor.csv          per-zone shares and fairness of a CSV trace
  iofair analyze --json trace.csv.gz > report.json     the JSON contract (schema_version 1)
  iofair analyze --format html -o report.html trace.csv   charts in one self-contained file
  iofair analyze --format prom -o /var/lib/node_exporter/textfile/iofair.prom trace.csv
  iofair analyze --weights db=3,web=1 trace.csv        weighted fair shares (zfs-io-priority)
  iofair analyze --parallelism sd0=1,nvme0=32 t.csv    devices' parallelism (replay slots) instead of estimating it
  iofair analyze --cost model trace.csv                device time by each device's fitted cost model
  iofair script dtrace | dtrace -q -s /dev/stdin | iofair analyze -
  iostat -xn 5 | iofair analyze -                      interval tools, read from a pipe
  iofair analyze biosnoop-sda.txt biosnoop-sdb.txt     several files, merged by completion time
  iofair script bpftrace > io.bt; bpftrace io.bt | iofair analyze -    zones = cgroups (Linux)

${exitCodeHelp()}`;

export function analyzeCommand(): Command {
  const cmd = new Command('analyze')
    .description('read IO traces or interval statistics and report per-zone latency, throughput, device-time share and deviation from the weighted fair share')
    .argument('[files...]', 'trace files (gzip is detected); - or none with piped stdin reads stdin')
    .addOption(formatOption())
    .option('--json', 'same as --format json')
    .addOption(sortOption())
    .option('-o, --output <file>', 'write the report to FILE atomically (a temporary file beside it, then a rename), e.g. the node_exporter textfile directory')
    .option('--weights <spec>', 'zone weights, e.g. db=3,web=1 (equal unless given here, in --weights-file or in a weight/priority column)')
    .option('--weights-file <file>', 'zone weights from a JSON object {"zone": w} or zone,weight CSV lines')
    .option('--parallelism <spec>', 'how many IOs each device serves at once, e.g. 32 (every device) or sd0=1,nvme0=32 (estimated from the trace unless given); the what-if replay runs a device as that many slots behind its dispatch queue')
    .addOption(
      new Option('--cost <measure>', "device time as the service each IO received (service), or as its cost under the device's fitted linear cost model (model)")
        .choices(['service', 'model'])
        .default('service', 'service'),
    )
    .addOption(new Option('--input-format <name>', 'input format instead of sniffing it').choices(formats.map((f) => f.name)))
    .addOption(new Option('--time-unit <unit>', 'unit of CSV time columns without a unit suffix (ns unless given)').choices(TIME_UNIT_NAMES))
    .option('--columns <spec>', 'map CSV columns, e.g. issue=t0,done=t1,zone=tenant,bytes=len')
    .option('--strict', 'a bad line is fatal (exit 3) instead of skipped and counted')
    .addOption(durationOption('--reorder-window <duration>', 'how far out of time order records may arrive (DTrace per-CPU buffers; 0 to 1h)', 2e9, LONGEST))
    .addOption(durationOption('--drain-timeout <duration>', "after Ctrl-C on a pipe, keep reading this long for the producer's last records (0 to 1h)", 5e9, LONGEST))
    .addOption(
      durationOption(
        '--max-latency <duration>',
        'an IO that took longer is a stuck device or a corrupt time: skipped and counted (IMPLAUSIBLE_LATENCY; 1ms to 365d)',
        MAX_LATENCY_NS,
        MAX_LATENCY,
      ),
    )
    .option(
      '--zone-from <field>',
      "per-IO tracers: what names the zone: comm|pid|cgroup (Linux tracers; default comm, or cgroup for 'iofair script bpftrace' output), comm|pid|uid|mount|path (DTraceToolkit iosnoop)",
    )
    .addOption(new Option('--value-unit <unit>', 'DTrace aggregations: unit of the aggregated values (ns unless given)').choices(['ns', 'us', 'µs', 'ms', 's']))
    .option('--zones <map>', 'zone id to name map for zio-level DTrace output, e.g. 3=db01,5=web02')
    .option('--keep-first', 'interval tools: keep the first (since boot) interval')
    .addOption(durationOption('--interval <duration>', 'interval tools: length of one interval when the output has no timestamps (1ms to 1d)', undefined, INTERVAL))
    .addOption(
      durationOption('--every <duration>', 'while reading, print a report of everything so far every DURATION, at least 100ms (NDJSON with --format json), then the final one', undefined, EVERY),
    )
    .option('--no-color', 'no colour (also NO_COLOR=1); FORCE_COLOR forces it')
    .option('-q, --quiet', 'no notes or progress on stderr (bad lines are still counted)')
    .option('--fail-on <exprs>', "exit 1 when a threshold is crossed, e.g. 'deviation>5pp,jain<0.8,p99>50ms,cap-loss>10%,db:p99>20ms' (see below)", failOnOption);
  addReplayOptions(cmd)
    .addHelpText('after', formatsHelp())
    .addHelpText('after', `\n${FAIL_ON_HELP}`)
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
    return [...(prev ?? []), ...parseFailOn(v, knownPolicyNames())];
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

export async function runAnalyze(files: string[], flags: AnalyzeFlags, raw: Record<string, unknown>): Promise<void> {
  let replay: ReplayOptions;
  try {
    replay = replayOptionsFrom(raw);
  } catch (e) {
    throw usageError((e as Error).message);
  }
  const format = flags.json ? 'json' : flags.format;
  setQuiet(!!flags.quiet);
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

  const unjudgeable = checkFailOnPolicies(flags.failOn ?? [], replay.policies);
  if (unjudgeable.length) throw usageError(unjudgeable.join('\n'));

  const fileWeights = flags.weightsFile ? readWeightsFile(flags.weightsFile) : new Map<string, number>();
  const optionWeights = flags.weights ? parseWeights(flags.weights) : new Map<string, number>();
  const weights = new Map([...fileWeights, ...optionWeights]);
  const parallelismOf = flags.parallelism !== undefined ? parseParallelism(flags.parallelism) : undefined;

  const totalBytes = files.includes('-') ? null : files.reduce((s, f) => s + fileSize(f), 0);
  const timeBase = new TimeBase();
  const store = new SpoolReplayStore();
  process.once('exit', () => store.dispose());
  const analyzer = new Analyzer({
    toolVersion: toolVersion(),
    weightOf: (z) => weights.get(z),
    parallelismOf,
    costBy: flags.cost,
    reorderWindowNs: flags.reorderWindow,
    store,
    replay,
    // only the formats that show it pay for it
    timeline: renderer.usesTimeline,
    // a big file will want the replay worker: start it while the file is read
    replayRunner: parallelReplayRunner({
      prestart: replay.policies.length > 0 && totalBytes !== null && totalBytes > 4e6,
    }),
  });
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
  const render = (a: Analysis) => {
    const sorted = sortZones(a, flags.sort);
    return live ? live.render(sorted, options) : renderer.render(sorted, options);
  };
  let ticker: NodeJS.Timeout | undefined;
  if (live) {
    const redraw = live.mode === 'redraw' && process.stdout.isTTY;
    ticker = setInterval(() => {
      if (analyzer.records === 0) return;
      const text = render(analyzer.snapshot(summary(true), (ns) => timeBase.seconds(ns)));
      process.stdout.write(redraw ? `\x1b[H\x1b[2J${text}` : live.mode === 'append' ? text : text + '\n');
    }, flags.every! / 1e6);
  }
  await readSources(files, analyzer, {
    inputFormat: flags.inputFormat,
    strict: !!flags.strict,
    showSkipped: flags.quiet ? 0 : 5,
    drainTimeoutMs: flags.drainTimeout / 1e6,
    maxLatencyNs: flags.maxLatency,
    parser: {
      timeBase,
      timeUnitNs: flags.timeUnit ? timeUnitNs(flags.timeUnit) : undefined,
      columns: flags.columns ? parsePairs(flags.columns, '--columns', 'ROLE=COLUMN') : undefined,
      zoneFrom: flags.zoneFrom,
      valueUnitNs: flags.valueUnit ? DURATION_UNIT_NS.get(flags.valueUnit) : undefined,
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
  // zones and devices named in options that the input lacks: the option did nothing (an error under --strict)
  const inputZones = new Set(analysis.zones.map((z) => z.zone));
  const unknownZones = [
    ...unknownZoneWarnings('--weights', optionWeights.keys(), inputZones),
    ...unknownZoneWarnings('--weights-file', fileWeights.keys(), inputZones),
    ...unknownZoneWarnings('--cap', replay.cap.perZone.keys(), inputZones),
    ...unknownZoneWarnings('--loop', replay.loopSpec?.perZone.keys() ?? [], inputZones),
    ...unknownZoneWarnings('--parallelism', parallelismOf?.devices ?? [], analysis.devices.map((d) => d.device), 'device'),
  ];
  if (unknownZones.length && flags.strict) throw usageError(`${unknownZones.join('; ')} (an error under --strict)`);
  for (const w of unknownZones) warning(`warning: ${w}`);
  analysis.warnings.push(...unknownZones);
  store.dispose();
  await emitReport(flags.output, () => render(analysis));
  if (flags.failOn?.length) {
    // the report is written either way: a threshold that cannot be judged is still a usage error
    const j = judgeFailOn(analysis, flags.failOn);
    for (const line of j.notes) message(`note: ${line}`);
    for (const line of j.crossed) errorLine(`--fail-on: ${line}`);
    for (const line of j.unjudged) errorLine(line);
    if (j.unjudged.length) process.exitCode = EXIT_USAGE;
    else if (j.crossed.length) process.exitCode = EXIT_THRESHOLD;
  }
}

/** The inputs' common platform, or 'neutral' when they differ or none has one. */
function platformOf(formatNames: string[]): Platform {
  const ps = new Set(formatNames.map((n) => formatByName(n)?.platform ?? 'neutral'));
  return ps.size === 1 ? [...ps][0] : 'neutral';
}
