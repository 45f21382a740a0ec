// The what-if and cap-ladder figures as every human format prints them (table, markdown, html),
// in the one number format: each renderer picks the cells it shows and escapes names its own
// way (`esc`), so "20.8 s sd0 (52 %)" reads the same in a terminal, a ticket and a browser.

import type { CapLadder, CapLadderLevel, PolicyDeviceResult, PolicyFinding, PolicyResult, ZoneP99Change } from '../core/analysis.js';
import { fmtBytes, fmtNum, fmtPct, fmtRatio, fmtS, fmtUs } from './format.js';

/** How a renderer makes a name from the input safe to print. */
export type Escape = (s: string) => string;

/** A share of fifo's work left undone: "0 %" or "22.2 %" (negative when the policy did more); "-" unknown. */
export function lostText(x: number | null | undefined): string {
  if (x === null || x === undefined) return '-';
  if (Math.abs(x) < 0.0005) return fmtPct(0);
  return fmtPct(x);
}

/** A device's idle time while IO waited: "20.8 s sd0 (52 %)", or "0 s" when none; "-" unknown. */
export function idleText(d: PolicyDeviceResult | null | undefined, esc: Escape, withDevice = true): string {
  if (d === undefined) return '-';
  if (d === null || !(d.idle_while_waiting_s > 0)) return fmtS(0);
  const frac = d.idle_while_waiting_frac === null ? '' : ` (${fmtPct(d.idle_while_waiting_frac)})`;
  return `${fmtS(d.idle_while_waiting_s)}${withDevice ? ` ${esc(d.device)}` : ''}${frac}`;
}

/** The first p99 change of a list, and how many more: "backup 996 ms → 514 s (+2 more)"; "-" none. */
export function changeText(cs: ZoneP99Change[] | undefined, esc: Escape): string {
  if (!cs || cs.length === 0) return '-';
  const c = cs[0];
  return `${esc(c.zone)} ${fmtUs(c.before_us)} → ${fmtUs(c.after_us)}` + (cs.length > 1 ? ` (+${cs.length - 1} more)` : '');
}

/** One replayed policy's figures; `f` is the verdict's finding for it, when there is a verdict. */
export function policyFigures(p: PolicyResult, f: PolicyFinding | undefined, esc: Escape) {
  return {
    policy: esc(p.policy),
    loop: esc(p.loop),
    inWindowOps: fmtNum(p.in_window?.ops),
    inWindowBytes: fmtBytes(p.in_window?.bytes),
    inWindowDevice: fmtS(p.in_window?.device_s),
    backlogOps: fmtNum(p.backlog?.ops),
    backlogBytes: fmtBytes(p.backlog?.bytes),
    backlogDevice: fmtS(p.backlog?.device_s),
    opsLost: lostText(p.work_lost?.ops),
    bytesLost: lostText(p.work_lost?.bytes),
    timeLost: lostText(p.work_lost?.device_s),
    /** The worst device's idle time while IO waited (the verdict's finding). */
    idle: f && f.cost !== null && f.worst_device ? idleText(f.worst_device, esc) : '-',
    /** Per device in `devices` order: its idle time while IO waited ("-": not in this policy's replay). */
    idleOn: (devices: string[]) => devices.map((name) => idleText(p.devices?.find((d) => d.device === name), esc, false)),
    costs: f?.costs_performance === undefined || f.costs_performance === null ? '-' : f.costs_performance ? 'yes' : 'no',
    makespan: fmtS(p.makespan_s),
    jain: fmtRatio(p.jain),
    raised: changeText(f?.raised, esc),
    cut: changeText(f?.cut, esc),
  };
}

/** The unit of a ladder's levels as a column head: "IOPS", "bytes/s". */
export const ladderUnit = (L: CapLadder): string => (L.unit === 'iops' ? 'IOPS' : 'bytes/s');

/** An amount per second in the ladder's unit: "1,230" (IOPS) or "90.5 MB" (per second). */
export function ladderRate(L: CapLadder, x: number | null | undefined): string {
  if (x === null || x === undefined) return '-';
  return L.unit === 'iops' ? fmtNum(x) : fmtBytes(x);
}

/** An amount per second with its unit: "1,230 IOPS", "90.5 MB/s". */
export function ladderRateWithUnit(L: CapLadder, x: number | null | undefined): string {
  if (x === null || x === undefined) return '-';
  return L.unit === 'iops' ? `${fmtNum(x)} IOPS` : `${fmtBytes(x)}/s`;
}

/** One level of the cap ladder's figures. */
export function levelFigures(L: CapLadder, l: CapLadderLevel, esc: Escape) {
  const c = l.capacity_per_s[0];
  const lim = l.protected_limit_per_s[0];
  return {
    level: String(l.level),
    /** The first device's capacity at this level: "159 sd0". */
    capacity: c ? `${ladderRate(L, c.per_s)} ${esc(c.device)}` : '-',
    limit: lim ? ladderRate(L, lim.per_s) : '-',
    inWindowOps: fmtNum(l.in_window?.ops),
    opsLost: lostText(l.work_lost?.ops),
    bytesLost: lostText(l.work_lost?.bytes),
    timeLost: lostText(l.work_lost?.device_s),
    idle: idleText(l.worst_device, esc),
    p99: fmtUs(l.protected_p99_us),
    /** The protected zone's p99 against its p99 under fair: "1.02×". */
    vsFair: l.protected_p99_vs_fair === null || l.protected_p99_vs_fair === undefined ? '-' : `${fmtRatio(l.protected_p99_vs_fair)}×`,
    backlog: fmtNum(l.protected_backlog_ops),
    protects: l.protects === null ? '-' : l.protects ? 'yes' : 'no',
    costs: l.costs_performance === null ? '-' : l.costs_performance ? 'yes' : 'no',
  };
}
