// The what-if replay's command-line options: --policy, --cap, --cap-ladder, the SmartOS throttle
// tunables and --loop. `addReplayOptions(cmd)` declares them; `replayOptionsFrom(opts)` turns commander's
// parsed values into the core's ReplayOptions, throwing InvalidArgumentError on a bad spec. The
// same ReplayOptions drive the event replay and the fluid (interval) replay.

import { InvalidArgumentError, Option, type Command } from 'commander';
import {
  DEFAULT_THROTTLE,
  knownPolicyNames,
  LADDER_LEVELS,
  type CapLimit,
  type CapSpec,
  type LoopModel,
  type LoopSpec,
  type ReplayOptions,
  type ThrottleTunables,
} from '../core/replay/index.js';
import { durationOption, formatDuration, parseBandwidth, parsePercent, type DurationBounds } from './units.js';

export const DEFAULT_POLICIES = 'fifo,cap,throttle,fair';
const DEFAULT_BURST_NS = 100e6;

export const CAP_HELP = `--cap SPEC: comma-separated items, each one of
  auto              every zone capped at its weight's share of the device's median
                    delivered IOPS per busy second (the default)
  LIMITS            the same limit for every zone, e.g. 400iops, 50MB/s, 400iops+50MB/s
  ZONE=LIMITS       one zone's limit, e.g. db=200iops,web=20MB/s (replaces the above
                    for that zone); ZONE=none leaves that zone uncapped
  LIMITS joins an IOPS and a bandwidth limit with '+'; bandwidth units B/s, kB/s, MB/s,
  GB/s (powers of 1000) or KiB/s, MiB/s, GiB/s (powers of 1024). Token bucket holding
  --cap-burst of the rate, full at the start, like Linux io.max. Interval inputs use the
  same spec and burst, per interval.

--cap-ladder UNIT: when cap is replayed, also replay a ladder of ${LADDER_LEVELS} static caps spanning
  what each device delivered per busy second, from the least to the most (geometric steps),
  each zone capped at its weight's share of the level: iops (the default), bytes (bandwidth
  caps), or none. The report shows each level's cost and the p99 of the zone fifo hurts most
  against fair queuing, and whether any level protects it as well without idling the disk.

--loop SPEC: how each zone issues its IO in the replay. auto (the default): as its trace
  suggests (closed when most of its issues follow one of its own completions promptly: a
  writer that blocks on its IO; else open); open: at its traced times (a request-driven
  service); closed: each IO waits for the zone's own earlier IOs, then its traced think time.
  Per zone: db=open,backup=closed; with a default first: auto,db=open or open,backup=closed.

Durations take a unit: ns, us (or µs), ms, s, m, h (0 needs none).

The throttle's fluid approximation on interval inputs uses --throttle-busy, --throttle-calm,
--throttle-delay-step, --throttle-adjust and --throttle-delay-ceiling; the slow-IO tunables
(--throttle-slow, --throttle-recent, --throttle-ancient), the utilisation cycles and the
scheduler (--throttle-sched) need per-IO timing that interval tools do not report.`;

/** "400iops", "50MB/s", "400iops+50MB/s", "none" → CapLimit (null for none). */
export function parseCapLimits(text: string): CapLimit | null {
  const t = text.trim();
  if (/^(none|max|unlimited)$/i.test(t)) return null;
  const lim: CapLimit = { iops: null, bytesPerS: null };
  for (const part of t.split('+')) {
    const p = part.trim();
    const iops = /^(\d+(?:\.\d+)?|\.\d+)\s*iops$/i.exec(p);
    if (iops) {
      if (lim.iops !== null) throw new InvalidArgumentError(`--cap: '${text}' gives two IOPS limits`);
      lim.iops = Number(iops[1]);
      if (!(lim.iops > 0)) throw new InvalidArgumentError(`--cap: '${p}' must be more than 0 IOPS`);
      continue;
    }
    const bytesPerS = parseBandwidth(p);
    if (bytesPerS !== null) {
      if (lim.bytesPerS !== null) throw new InvalidArgumentError(`--cap: '${text}' gives two bandwidth limits`);
      lim.bytesPerS = bytesPerS;
      if (!(lim.bytesPerS > 0)) throw new InvalidArgumentError(`--cap: '${p}' must be more than 0 bytes/s`);
      continue;
    }
    throw new InvalidArgumentError(
      `--cap: '${p}' is not a limit (expected e.g. 400iops, 50MB/s, 20MiB/s, 400iops+50MB/s, or none)`,
    );
  }
  return lim;
}

const LOOP_MODELS = ['open', 'closed'] as const;

/** Parse a --loop SPEC: auto | open | closed, and ZONE=open|closed items (see CAP_HELP). */
export function parseLoopSpec(text: string): LoopSpec {
  const spec: LoopSpec = { fallback: 'auto', perZone: new Map() };
  const items = text.split(',').map((s) => s.trim());
  if (items.every((s) => s === '')) throw new InvalidArgumentError('--loop: empty spec (try auto, open, closed or db=open,backup=closed)');
  let sawDefault = false;
  for (const item of items) {
    if (item === '') throw new InvalidArgumentError(`--loop: empty item in '${text}'`);
    const eq = item.lastIndexOf('=');
    if (eq < 0) {
      if (sawDefault) throw new InvalidArgumentError(`--loop: '${text}' gives more than one default (auto, open or closed)`);
      sawDefault = true;
      if (item !== 'auto' && item !== 'open' && item !== 'closed') throw new InvalidArgumentError(`--loop: '${item}' is not auto, open, closed or ZONE=open|closed`);
      spec.fallback = item;
      continue;
    }
    const zone = item.slice(0, eq).trim();
    const model = item.slice(eq + 1).trim();
    if (zone === '') throw new InvalidArgumentError(`--loop: '${item}' has no zone name before '='`);
    if (!(LOOP_MODELS as readonly string[]).includes(model)) throw new InvalidArgumentError(`--loop: '${item}': a zone's loop model is open or closed`);
    if (spec.perZone.has(zone)) throw new InvalidArgumentError(`--loop: zone '${zone}' given twice`);
    spec.perZone.set(zone, model as LoopModel);
  }
  return spec;
}

/** Parse a --cap SPEC (see CAP_HELP). */
export function parseCapSpec(text: string, burstS = DEFAULT_BURST_NS / 1e9): CapSpec {
  const spec: CapSpec = { auto: false, all: null, perZone: new Map(), burstS, text: text.trim() };
  const items = text.split(',').map((s) => s.trim());
  if (items.length === 0 || items.every((s) => s === '')) throw new InvalidArgumentError('--cap: empty spec (try auto or 400iops)');
  let sawDefault = false;
  for (const item of items) {
    if (item === '') throw new InvalidArgumentError(`--cap: empty item in '${text}'`);
    const eq = item.lastIndexOf('=');
    if (eq < 0) {
      if (sawDefault) throw new InvalidArgumentError(`--cap: '${text}' gives more than one limit for all zones (join IOPS and bandwidth with '+')`);
      sawDefault = true;
      if (/^auto$/i.test(item)) spec.auto = true;
      else spec.all = parseCapLimits(item) ?? null;
      continue;
    }
    const zone = item.slice(0, eq).trim();
    if (zone === '') throw new InvalidArgumentError(`--cap: '${item}' has no zone name before '='`);
    if (spec.perZone.has(zone)) throw new InvalidArgumentError(`--cap: zone '${zone}' given twice`);
    spec.perZone.set(zone, parseCapLimits(item.slice(eq + 1)));
  }
  return spec;
}

function count(max: number) {
  return (v: string): number => {
    if (!/^\s*\d+\s*$/.test(v)) throw new InvalidArgumentError(`'${v}' is not a whole number`);
    const n = Number(v);
    if (n > max) throw new InvalidArgumentError(`'${v}' must be at most ${max}`);
    return n;
  };
}

function percentOption(flags: string, description: string, def: number): Option {
  return new Option(flags, description).argParser(parsePercent).default(def, `${def}%`);
}

const HOUR = 3600e9;
const LONG: Pick<DurationBounds, 'max' | 'maxWhy'> = { max: HOUR, maxWhy: 'a window longer than an hour spans the whole of most traces' };

// Bounds of the throttle tunables. zfs_zone.c keeps its windows in µs (delay step 5 µs, ceiling
// 100 µs, adjust 250 ms, cycles 1 s and 2 s, laggard 50 ms, recent 1 s, ancient 5 s) and waits
// the delay with drv_usecwait, so 1 µs is the finest delay it can apply. The adjust pass
// measures %busy over the time since the previous pass and runs once per period per device over
// every zone: below a millisecond that is shorter than one disk IO (%busy is 0 or 100) and the
// passes, not the IO, dominate the replay (1ns ran for minutes on a 40 s trace, 1ms for seconds).
const TUNABLE_BOUNDS = {
  delayStep: { min: 1e3, minWhy: 'zfs_zone.c waits the delay in whole microseconds' },
  delayCeiling: { min: 1e3, minWhy: 'zfs_zone.c waits the delay in whole microseconds', max: 1e9, maxWhy: 'the delay is a busy-wait in each read or write; beyond a second it is a stall, not a throttle' },
  adjust: { min: 1e6, minWhy: '%busy is measured over one adjust period: below a millisecond it is shorter than one IO', ...LONG },
  cycle: { min: 1e6, minWhy: 'a utilisation cycle shorter than a millisecond holds no IO', ...LONG },
  slow: { min: 1e3, minWhy: 'zfs_zone.c measures IO latency in microseconds', ...LONG },
  recent: { min: 1e6, minWhy: 'shorter than one IO', ...LONG },
  burst: { min: 1e6, minWhy: 'Linux io.max refills in slices of 100ms; below a millisecond the bucket holds at most one IO', ...LONG },
} satisfies Record<string, DurationBounds>;

/** Commander options of the what-if replay. */
export function addReplayOptions(cmd: Command): Command {
  const T = DEFAULT_THROTTLE;
  return cmd
    .addOption(
      new Option('--policy <list>', `what-if policies to replay, comma-separated (${knownPolicyNames().join(', ')}), or none`).default(DEFAULT_POLICIES, DEFAULT_POLICIES),
    )
    .addOption(new Option('--cap <spec>', 'static caps for the cap policy: auto, 400iops, 50MB/s, 400iops+50MB/s, db=200iops,web=20MB/s (see below)').default('auto', 'auto'))
    .addOption(durationOption('--cap-burst <duration>', 'token-bucket burst of the cap policy (1ms to 1h)', DEFAULT_BURST_NS, TUNABLE_BOUNDS.burst))
    .addOption(
      new Option('--cap-ladder <unit>', `with cap: also replay ${LADDER_LEVELS} static caps spanning each device's delivered capacity (see below)`)
        .choices(['iops', 'bytes', 'none'])
        .default('iops', 'iops'),
    )
    .addOption(new Option('--loop <spec>', 'loop model per zone: auto (from its trace), open (arrivals as traced), closed (waits for its own IOs), or db=open,backup=closed (see below)').default('auto', 'auto'))
    .addOption(durationOption('--throttle-delay-step <duration>', 'throttle: delay added or removed per adjustment (zfs_zone_delay_step; 1us to the ceiling)', T.delayStepNs, TUNABLE_BOUNDS.delayStep))
    .addOption(durationOption('--throttle-delay-ceiling <duration>', 'throttle: maximum delay per IO (zfs_zone_delay_ceiling; up to 1s)', T.delayCeilingNs, TUNABLE_BOUNDS.delayCeiling))
    .addOption(durationOption('--throttle-adjust <duration>', 'throttle: re-evaluation period (zfs_zone_adjust_time; 1ms to the cycle)', T.adjustNs, TUNABLE_BOUNDS.adjust))
    .addOption(durationOption('--throttle-cycle <duration>', 'throttle: per-zone op-count cycle (zfs_zone_cycle_time; up to 1h)', T.cycleNs, TUNABLE_BOUNDS.cycle))
    .addOption(durationOption('--throttle-sys-avg-cycle <duration>', 'throttle: system average latency cycle (zfs_zone_sys_avg_cycle; 1ms to 1h)', T.sysAvgCycleNs, TUNABLE_BOUNDS.cycle))
    .addOption(percentOption('--throttle-busy <pct>', 'throttle: disk %busy above which zones are stepped up (zfs_zone_util_threshold)', T.busyPct))
    .addOption(percentOption('--throttle-calm <pct>', 'throttle: disk %busy below which delays step down (zfs_zone_underutil_threshold; at most --throttle-busy)', T.calmPct))
    .addOption(durationOption('--throttle-slow <duration>', 'throttle: an IO slower than this is a laggard (zfs_zone_laggard_threshold; 1us to 1h)', T.slowNs, TUNABLE_BOUNDS.slow))
    .addOption(durationOption('--throttle-recent <duration>', 'throttle: a laggard this recent means contention (zfs_zone_laggard_recent; 1ms to the ancient)', T.recentNs, TUNABLE_BOUNDS.recent))
    .addOption(durationOption('--throttle-ancient <duration>', 'throttle: no laggard for this long means calm (zfs_zone_laggard_ancient; up to 1h)', T.ancientNs, TUNABLE_BOUNDS.recent))
    .addOption(
      new Option('--throttle-sched <n>', 'throttle: queue depth from which the zone scheduler reorders, 0 = off (zfs_zone_schedule_thresh)')
        .argParser(count(1e6))
        .default(T.schedThresh, String(T.schedThresh)),
    )
    .addHelpText('after', `\n${CAP_HELP}`);
}

/** Throws unless `small` ≤ `large` (two related options). */
function ordered(small: number, smallFlag: string, large: number, largeFlag: string, fmt: (x: number) => string): void {
  if (small > large) throw new InvalidArgumentError(`${smallFlag} (${fmt(small)}) must not exceed ${largeFlag} (${fmt(large)})`);
}

/** Parsed commander values (camel-cased option names) → ReplayOptions. */
export function replayOptionsFrom(o: Record<string, unknown>): ReplayOptions {
  const list = String(o.policy ?? DEFAULT_POLICIES)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  let policies: string[];
  if (list.length === 1 && list[0] === 'none') policies = [];
  else {
    const known = knownPolicyNames();
    for (const p of list)
      if (!known.includes(p)) throw new InvalidArgumentError(`--policy: unknown policy '${p}' (known: ${known.join(', ')}, or none)`);
    if (list.length === 0) throw new InvalidArgumentError(`--policy: empty list (known: ${known.join(', ')}, or none)`);
    policies = [...new Set(list)];
  }
  const loopSpec = parseLoopSpec(String(o.loop ?? 'auto'));
  const capLadder = String(o.capLadder ?? 'iops');
  if (capLadder !== 'iops' && capLadder !== 'bytes' && capLadder !== 'none') throw new InvalidArgumentError(`--cap-ladder: '${capLadder}' is not iops, bytes or none`);
  const burstNs = typeof o.capBurst === 'number' ? o.capBurst : DEFAULT_BURST_NS;
  const cap = parseCapSpec(String(o.cap ?? 'auto'), burstNs / 1e9);
  const T = DEFAULT_THROTTLE;
  const num = (k: string, d: number) => (typeof o[k] === 'number' ? (o[k] as number) : d);
  const throttle: ThrottleTunables = {
    ...T,
    delayStepNs: num('throttleDelayStep', T.delayStepNs),
    delayCeilingNs: num('throttleDelayCeiling', T.delayCeilingNs),
    adjustNs: num('throttleAdjust', T.adjustNs),
    cycleNs: num('throttleCycle', T.cycleNs),
    sysAvgCycleNs: num('throttleSysAvgCycle', T.sysAvgCycleNs),
    busyPct: num('throttleBusy', T.busyPct),
    calmPct: num('throttleCalm', T.calmPct),
    slowNs: num('throttleSlow', T.slowNs),
    recentNs: num('throttleRecent', T.recentNs),
    ancientNs: num('throttleAncient', T.ancientNs),
    schedThresh: num('throttleSched', T.schedThresh),
  };
  const pct = (x: number) => `${x}%`;
  ordered(throttle.delayStepNs, '--throttle-delay-step', throttle.delayCeilingNs, '--throttle-delay-ceiling', formatDuration);
  ordered(throttle.adjustNs, '--throttle-adjust', throttle.cycleNs, '--throttle-cycle', formatDuration);
  ordered(throttle.recentNs, '--throttle-recent', throttle.ancientNs, '--throttle-ancient', formatDuration);
  ordered(throttle.calmPct, '--throttle-calm', throttle.busyPct, '--throttle-busy', pct);
  return { policies, cap, throttle, loopSpec, capLadder };
}
