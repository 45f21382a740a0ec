// Flattens a record of the Analysis (a zone, a device, a policy) into named scalar fields, for the
// formats that are one value per column or per metric (csv, prom). Reading the fields generically
// means a field added to the Analysis shows up in those formats without touching them.
//
// A nested object's fields are joined to its name with "_", and a unit suffix of the parent moves
// to the end: latency_us{p99} → latency_p99_us, in_window{device_s} → in_window_device_s,
// capacity_iops{min} → capacity_iops_min.

/** Unit suffixes of the JSON contract's field names, longest first. */
const UNIT_SUFFIXES = ['_bytes_per_s', '_per_s', '_us', '_ns', '_s'];

export interface FlatField {
  /** The flattened name, e.g. latency_p99_us. */
  name: string;
  value: number | string | boolean | null;
}

export function unitOf(name: string): { base: string; unit: string } {
  for (const u of UNIT_SUFFIXES) if (name.endsWith(u) && name.length > u.length) return { base: name.slice(0, -u.length), unit: u };
  return { base: name, unit: '' };
}

/**
 * The scalar fields of `obj`, in key order. Keys in `skip` and arrays are left out (lists are not
 * one value); an object under a key in `asJson` becomes one JSON text.
 */
export function flatten(obj: object, opts: { skip?: ReadonlySet<string>; asJson?: ReadonlySet<string> } = {}, prefix = ''): FlatField[] {
  const out: FlatField[] = [];
  for (const [k, v] of Object.entries(obj)) {
    if (opts.skip?.has(k) || Array.isArray(v) || v === undefined) continue;
    if (v !== null && typeof v === 'object') {
      if (opts.asJson?.has(k)) {
        out.push({ name: prefix + k, value: JSON.stringify(v) });
        continue;
      }
      const { base, unit } = unitOf(k);
      for (const f of flatten(v, {}, '')) {
        const inner = unitOf(f.name);
        // a unit on the parent applies to its fields; a field's own unit wins
        out.push({ name: `${prefix}${base}_${inner.base}${inner.unit || unit}`, value: f.value });
      }
      continue;
    }
    if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' || v === null) out.push({ name: prefix + k, value: v });
  }
  return out;
}
