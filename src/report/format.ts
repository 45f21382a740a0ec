// Number formatting shared by the human-readable renderers. Pure functions of numbers.

/** A latency given in µs: "850 µs", "12.3 ms", "1.20 s"; "-" when unknown. */
export function fmtUs(us: number | null | undefined): string {
  if (us === null || us === undefined || !Number.isFinite(us)) return '-';
  const a = Math.abs(us);
  if (a < 1) return `${us.toFixed(2)} µs`;
  if (a < 1000) return `${us.toFixed(a < 10 ? 1 : 0)} µs`;
  if (a < 1e6) return `${(us / 1000).toFixed(a < 1e4 ? 2 : a < 1e5 ? 1 : 0)} ms`;
  return `${(us / 1e6).toFixed(a < 1e7 ? 2 : a < 1e8 ? 1 : 0)} s`;
}

/** Seconds: "0.120 s", "12.3 s", "2h03m". */
export function fmtS(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s)) return '-';
  if (s < 10) return `${s.toFixed(3)} s`;
  if (s < 3600) return `${s.toFixed(1)} s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h}h${String(m).padStart(2, '0')}m`;
}

/** Decimal (SI) bytes: "512 B", "4.10 kB", "1.23 GB". */
export function fmtBytes(b: number | null | undefined): string {
  if (b === null || b === undefined || !Number.isFinite(b)) return '-';
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let i = 0;
  let v = b;
  while (Math.abs(v) >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return i === 0 ? `${Math.round(v)} B` : `${v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)} ${units[i]}`;
}

/** A count or rate with thousands separators and sensible precision. */
export function fmtNum(n: number | null | undefined, digits = 0): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '-';
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** A fraction as a percentage: 0.1234 → "12.3 %". */
export function fmtPct(f: number | null | undefined, digits = 1): string {
  if (f === null || f === undefined || !Number.isFinite(f)) return '-';
  return `${(f * 100).toFixed(digits)} %`;
}

/** A signed fraction in percentage points: +0.12 → "+12.0 pp". */
export function fmtPp(f: number | null | undefined): string {
  if (f === null || f === undefined || !Number.isFinite(f)) return '-';
  const v = f * 100;
  return `${v >= 0 ? '+' : ''}${v.toFixed(1)} pp`;
}
