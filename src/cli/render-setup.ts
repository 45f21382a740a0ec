// Choosing the renderer and its options for a command (analyze, merge): --format from the
// registry, colour only for a human format going to a terminal, the width to fit.

import { Option } from 'commander';
import { Chalk, supportsColor } from 'chalk';
import { rendererByName, renderers, type Renderer, type RenderOptions } from '../report/registry.js';
import { SORT_KEYS } from '../core/sort.js';
import { usageError } from './errors.js';
import { toTerminal } from './report-output.js';

/** --format and its choices from the renderer registry (formatsHelp() describes them). */
export function formatOption(): Option {
  return new Option('--format <format>', 'report format (see Formats below)').choices(renderers.map((r) => r.name)).default(renderers[0].name, renderers[0].name);
}

/** --sort: the order of the zones in every format. */
export function sortOption(): Option {
  return new Option('--sort <key>', 'order of the zones: deviation (took most beyond its due first), share, ops, p99 (largest first) or name')
    .choices([...SORT_KEYS])
    .default('deviation', 'deviation');
}

/** The Formats section of --help: one line per renderer. */
export function formatsHelp(): string {
  const w = Math.max(...renderers.map((r) => r.name.length));
  return `\nFormats (--format):\n${renderers.map((r) => `  ${r.name.padEnd(w)}  ${r.description}`).join('\n')}`;
}

/** The renderer and its options for a run: colour only for a human format going to a terminal (or FORCE_COLOR). */
export function renderSetup(format: string, flags: { color: boolean; output?: string }): { renderer: Renderer; options: RenderOptions } {
  const renderer = rendererByName(format);
  if (!renderer) throw usageError(`--format: unknown format '${format}' (known: ${renderers.map((r) => r.name).join(', ')})`);
  const tty = toTerminal(flags.output);
  const chalk = new Chalk({ level: colourLevel(flags, renderer.machineReadable, tty) });
  return { renderer, options: { chalk, width: reportWidth(tty) } };
}

/** When no terminal or COLUMNS says how wide: a file or a cron mail gets the full table. */
const NO_TERMINAL_WIDTH = 160;

/**
 * The width the table report fits: the terminal's when the report goes to one, else COLUMNS,
 * else the terminal's on stderr (`| less`, `> file` typed at a terminal), else NO_TERMINAL_WIDTH.
 */
function reportWidth(toTty: boolean): number {
  if (toTty && process.stdout.columns) return process.stdout.columns;
  const columns = Number(process.env.COLUMNS);
  if (Number.isInteger(columns) && columns > 0) return columns;
  if (process.stderr.isTTY && process.stderr.columns) return process.stderr.columns;
  return NO_TERMINAL_WIDTH;
}

function colourLevel(flags: { color: boolean }, machine: boolean, tty: boolean): 0 | 1 | 2 | 3 {
  if (machine || !flags.color) return 0;
  const force = process.env.FORCE_COLOR;
  if (force !== undefined && force !== '' && force !== '0' && force !== 'false') {
    const n = Number(force);
    return (n >= 1 && n <= 3 ? n : 1) as 1 | 2 | 3;
  }
  if (process.env.NO_COLOR) return 0;
  if (process.env.TERM === 'dumb' || !tty) return 0;
  return supportsColor ? (supportsColor.level as 0 | 1 | 2 | 3) : 0;
}
