// The what-if replay's command-line options: --policy, --cap, the SmartOS throttle tunables and
// --loop. `addReplayOptions(cmd)` declares them; `replayOptionsFrom(opts)` turns commander's
// parsed values into the core's ReplayOptions, throwing InvalidArgumentError on a bad spec.

import { InvalidArgumentError, type Command } from 'commander';
import { DEFAULT_THROTTLE, knownPolicyNames, type CapLimit, type CapSpec, type ReplayOptions, type ThrottleTunables } from '../core/replay/index.js';
import { parseDurationNs } from './units.js';

export const DEFAULT_POLICIES = 'fifo,cap,throttle,fair';

export const CAP_HELP = `--cap SPEC: comma-separated items, each one of
  auto              every zone capped at its weight's share of the device's median
                    delivered IOPS per busy second (the default)
  LIMITS            the same limit for every zone, e.g. 400iops, 50MB/s, 400iops+50MB/s
  ZONE=LIMITS       one zone's limit, e.g. db=200iops,web=20MB/s (overrides the above);
                    ZONE=none leaves that zone uncapped
  LIMITS joins an IOPS and a bandwidth limit with '+'; bandwidth units B/s, kB/s, MB/s,
  GB/s (powers of 1000) or KiB/s, MiB/s, GiB/s (powers of 1024). Token bucket with
  --cap-burst (default 100ms) of burst, like Linux io.max.`;

const BYTE_UNITS = new Map<string, number>([
  ['b', 1],
  ['kb', 1e3],
  ['mb', 1e6],
  ['gb', 1e9],
  ['tb', 1e12],
  ['kib', 1024],
  ['mib', 1024 ** 2],
  ['gib', 1024 ** 3],
  ['tib', 1024 ** 4],
]);

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
    const bw = /^(\d+(?:\.\d+)?|\.\d+)\s*([kmgt]?i?b)\/s$/i.exec(p);
    const unit = bw ? BYTE_UNITS.get(bw[2].toLowerCase()) : undefined;
    if (bw && unit !== undefined) {
      if (lim.bytesPerS !== null) throw new InvalidArgumentError(`--cap: '${text}' gives two bandwidth limits`);
      lim.bytesPerS = Number(bw[1]) * unit;
      if (!(lim.bytesPerS > 0)) throw new InvalidArgumentError(`--cap: '${p}' must be more than 0 bytes/s`);
      continue;
    }
    throw new InvalidArgumentError(
      `--cap: '${p}' is not a limit (expected e.g. 400iops, 50MB/s, 20MiB/s, 400iops+50MB/s, or none)`,
    );
  }
  return lim;
}

/** Parse a --cap SPEC (see CAP_HELP). */
export function parseCapSpec(text: string, burstS = 0.1): CapSpec {
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

function percent(name: string) {
  return (v: string): number => {
    const m = /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(v);
    const n = m ? Number(m[1]) : NaN;
    if (!(n >= 0 && n <= 100)) throw new InvalidArgumentError(`${name}: '${v}' is not a percentage 0..100`);
    return n;
  };
}

function duration(name: string, unit: string) {
  return (v: string): number => {
    try {
      return parseDurationNs(v, unit);
    } catch (e) {
      throw new InvalidArgumentError(`${name}: ${(e as Error).message}`);
    }
  };
}

function count(name: string) {
  return (v: string): number => {
    if (!/^\s*\d+\s*$/.test(v)) throw new InvalidArgumentError(`${name}: '${v}' is not a whole number`);
    return Number(v);
  };
}

/** Commander options of the what-if replay. */
export function addReplayOptions(cmd: Command): Command {
  const T = DEFAULT_THROTTLE;
  return cmd
    .option('--policy <list>', `what-if policies to replay, comma-separated (${knownPolicyNames().join(', ')}), or none`, DEFAULT_POLICIES)
    .option('--cap <spec>', 'static caps for the cap policy: auto, 400iops, 50MB/s, 400iops+50MB/s, db=200iops,web=20MB/s (see below)', 'auto')
    .option('--cap-burst <duration>', 'token-bucket burst of the cap policy', duration('--cap-burst', 'ms'), 0.1e9)
    .option('--loop <model>', 'replay loop model: open (arrivals as traced) or closed (each zone waits for its own IOs)', 'open')
    .option('--throttle-delay-step <duration>', 'throttle: delay added or removed per adjustment (zfs_zone_delay_step)', duration('--throttle-delay-step', 'us'), T.delayStepNs)
    .option('--throttle-delay-ceiling <duration>', 'throttle: maximum delay per IO (zfs_zone_delay_ceiling)', duration('--throttle-delay-ceiling', 'us'), T.delayCeilingNs)
    .option('--throttle-adjust <duration>', 'throttle: re-evaluation period (zfs_zone_adjust_time)', duration('--throttle-adjust', 'ms'), T.adjustNs)
    .option('--throttle-cycle <duration>', 'throttle: utilisation cycle (zfs_zone_cycle_time)', duration('--throttle-cycle', 's'), T.cycleNs)
    .option('--throttle-busy <pct>', 'throttle: disk %busy above which zones are stepped up (zfs_zone_util_threshold)', percent('--throttle-busy'), T.busyPct)
    .option('--throttle-calm <pct>', 'throttle: disk %busy below which delays step down (zfs_zone_underutil_threshold)', percent('--throttle-calm'), T.calmPct)
    .option('--throttle-slow <duration>', 'throttle: an IO slower than this is a laggard (zfs_zone_laggard_threshold)', duration('--throttle-slow', 'ms'), T.slowNs)
    .option('--throttle-recent <duration>', 'throttle: a laggard this recent means contention (zfs_zone_laggard_recent)', duration('--throttle-recent', 's'), T.recentNs)
    .option('--throttle-ancient <duration>', 'throttle: no laggard for this long means calm (zfs_zone_laggard_ancient)', duration('--throttle-ancient', 's'), T.ancientNs)
    .option('--throttle-sched <n>', 'throttle: queue depth from which the zone scheduler reorders, 0 = off (zfs_zone_schedule_thresh)', count('--throttle-sched'), T.schedThresh)
    .addHelpText('after', `\n${CAP_HELP}\n`);
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
  const loop = String(o.loop ?? 'open');
  if (loop !== 'open' && loop !== 'closed') throw new InvalidArgumentError(`--loop: '${loop}' is not open or closed`);
  const burstNs = typeof o.capBurst === 'number' ? o.capBurst : 0.1e9;
  if (!(burstNs > 0)) throw new InvalidArgumentError('--cap-burst must be more than 0');
  const cap = parseCapSpec(String(o.cap ?? 'auto'), burstNs / 1e9);
  const T = DEFAULT_THROTTLE;
  const num = (k: string, d: number) => (typeof o[k] === 'number' ? (o[k] as number) : d);
  const throttle: ThrottleTunables = {
    ...T,
    delayStepNs: num('throttleDelayStep', T.delayStepNs),
    delayCeilingNs: num('throttleDelayCeiling', T.delayCeilingNs),
    adjustNs: num('throttleAdjust', T.adjustNs),
    cycleNs: num('throttleCycle', T.cycleNs),
    busyPct: num('throttleBusy', T.busyPct),
    calmPct: num('throttleCalm', T.calmPct),
    slowNs: num('throttleSlow', T.slowNs),
    recentNs: num('throttleRecent', T.recentNs),
    ancientNs: num('throttleAncient', T.ancientNs),
    schedThresh: num('throttleSched', T.schedThresh),
  };
  if (!(throttle.adjustNs > 0)) throw new InvalidArgumentError('--throttle-adjust must be more than 0');
  if (!(throttle.cycleNs > 0)) throw new InvalidArgumentError('--throttle-cycle must be more than 0');
  if (throttle.calmPct > throttle.busyPct)
    throw new InvalidArgumentError(`--throttle-calm (${throttle.calmPct}%) must not exceed --throttle-busy (${throttle.busyPct}%)`);
  return { policies, cap, throttle, loop };
}
