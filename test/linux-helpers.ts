// Test helpers for the Linux tracer parsers: a sink that also records zone kinds, and a runner
// over fixtures/linux.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TimeBase, type ZoneKind } from '../src/records.js';
import type { InputFormat, ParserOptions } from '../src/parsers/types.js';
import { RecordingSink } from './dtrace-helpers.js';

export class LinuxSink extends RecordingSink {
  kinds = new Map<string, ZoneKind>();
  zoneKind(zone: string, kind: ZoneKind): void {
    this.kinds.set(zone, kind);
  }
}

export const LINUX_FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'linux');

export function linuxFixture(name: string): string {
  return readFileSync(join(LINUX_FIXTURES, name), 'utf8');
}

/** Feed text through a format's parser (optionally in chunks of `chunk` characters). */
export function runLinux(fmt: InputFormat, text: string, opts: Partial<ParserOptions> = {}, chunk = 0): { sink: LinuxSink; tb: TimeBase } {
  const sink = new LinuxSink();
  const tb = new TimeBase();
  const p = fmt.create(sink, { timeBase: tb, ...opts });
  if (chunk > 0) for (let i = 0; i < text.length; i += chunk) p.write(text.slice(i, i + chunk));
  else p.write(text);
  p.end();
  return { sink, tb };
}

/** [zone, device, op, bytes, issueNs, doneNs] of every IO, for compact expectations. */
export function rows(sink: RecordingSink): [string, string, string, number, number, number][] {
  return sink.ios.map((e) => [e.zone, e.device, e.op, e.bytes, e.issueNs, e.doneNs]);
}

// printf-style padding, for tests that render rows in a tool's layout
export const left = (s: string | number, w: number) => String(s).padEnd(w);
export const right = (s: string | number, w: number) => String(s).padStart(w);
