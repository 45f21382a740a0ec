// Test helpers for the Linux tracer parsers: fixtures/linux, compact rows, printf padding.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { absoluteTime, run, type RecordingSink } from './dtrace-helpers.js';

export const LINUX_FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'linux');

export function linuxFixture(name: string): string {
  return readFileSync(join(LINUX_FIXTURES, name), 'utf8');
}

/**
 * Feed text through a format's parser (optionally in chunks of `chunk` characters), with times
 * read against a base of 0 (absolute) unless `opts.timeBase` says otherwise, so that expectations
 * are the times the fixtures print.
 */
export const runLinux: typeof run = (fmt, text, opts = {}, chunk = 0) => run(fmt, text, { timeBase: absoluteTime(), ...opts }, chunk);

/** [zone, device, op, bytes, issueNs, doneNs] of every IO, for compact expectations. */
export function rows(sink: RecordingSink): [string, string, string, number, number, number][] {
  return sink.ios.map((e) => [e.zone, e.device, e.op, e.bytes, e.issueNs, e.doneNs]);
}

// printf-style padding, for tests that render rows in a tool's layout
export const left = (s: string | number, w: number) => String(s).padEnd(w);
export const right = (s: string | number, w: number) => String(s).padStart(w);
