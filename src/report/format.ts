// The one number format of every human-readable output (table, markdown, html, the verdict's
// sentences, --fail-on messages): three significant digits, trailing zeros dropped, a space
// before the unit, an ASCII minus. So the table and the sentence under it print the same
// figure: 1.26 s in both, -22.2 % next to -9.5 pp. Pure functions of numbers; "-" for unknown.

import type { ZoneResult } from '../core/analysis.js';

const known = (x: number | null | undefined): x is number => x !== null && x !== undefined && Number.isFinite(x);

/** Three significant digits, trailing zeros dropped: 1.26, 862, 0.0512; whole above 999 (1,234). */
function sig3(x: number): string {
  const r = +x.toPrecision(3);
  if (Math.abs(r) >= 1000) return Math.round(x).toLocaleString('en-US');
  return String(r);
}

/** A duration in seconds: "850 µs", "12.3 ms", "1.26 s", "514 s", "7,380 s"; "0 s". */
export function fmtS(s: number | null | undefined): string {
  if (!known(s)) return '-';
  // the unit by the rounded value: 0.99999 ms is "1 ms", not "1000 µs"
  const a = Math.abs(+s.toPrecision(3));
  if (a === 0) return '0 s';
  if (a < 1e-6) return `${sig3(s * 1e9)} ns`;
  if (a < 1e-3) return `${sig3(s * 1e6)} µs`;
  if (a < 1) return `${sig3(s * 1e3)} ms`;
  return `${sig3(s)} s`;
}

/** A duration (latency) given in µs, as fmtS: "850 µs", "12.3 ms", "1.26 s". */
export function fmtUs(us: number | null | undefined): string {
  return known(us) ? fmtS(us / 1e6) : '-';
}

/** Decimal (SI) bytes: "512 B", "4.1 kB", "1.23 GB". */
export function fmtBytes(b: number | null | undefined): string {
  if (!known(b)) return '-';
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let i = 0;
  let v = b;
  while (Math.abs(v) >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return i === 0 ? `${Math.round(v)} B` : `${sig3(v)} ${units[i]}`;
}

/** A count or rate with thousands separators and `digits` decimals. */
export function fmtNum(n: number | null | undefined, digits = 0): string {
  if (!known(n)) return '-';
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** A fraction as a percentage: 0.1234 → "12.3 %", -0.222 → "-22.2 %", 0 → "0 %". */
export function fmtPct(f: number | null | undefined): string {
  return known(f) ? `${sig3(f * 100)} %` : '-';
}

/** A signed difference of fractions in percentage points: +0.095 → "+9.5 pp", -0.0017 → "-0.17 pp". */
export function fmtPp(f: number | null | undefined): string {
  if (!known(f)) return '-';
  const t = sig3(f * 100);
  return `${f > 0 && t !== '0' ? '+' : ''}${t} pp`;
}

/** A ratio or index: Jain's 0.893, a max/min of 61.3. */
export function fmtRatio(x: number | null | undefined, digits = 3): string {
  return known(x) ? String(+x.toPrecision(digits)) : '-';
}

/** A zone's observed figures as every human format prints them (each picks the ones it shows). */
export function zoneFigures(z: ZoneResult) {
  const l = z.latency_us;
  return {
    weight: fmtNum(z.weight, z.weight % 1 ? 2 : 0),
    ops: fmtNum(z.ops),
    reads: fmtNum(z.read_ops),
    writes: fmtNum(z.write_ops),
    bytes: fmtBytes(z.bytes),
    iops: fmtNum(z.iops, 1),
    bytesPerS: fmtBytes(z.bytes_per_s),
    deviceTime: fmtS(z.device_time_s),
    share: fmtPct(z.device_share),
    fair: fmtPct(z.fair_share),
    deviation: fmtPp(z.deviation),
    mean: fmtUs(l.mean),
    p50: fmtUs(l.p50),
    p90: fmtUs(l.p90),
    p99: fmtUs(l.p99),
    p999: fmtUs(l.p999),
    max: fmtUs(l.max),
  };
}
