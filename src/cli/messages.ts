// Every line iofair writes to stderr goes through this module: it adds the `iofair: ` prefix,
// passes the text through the terminal sanitiser (file names, zone names and fields of bad lines
// come from the input), honours --quiet, erases the progress line before printing over it, and
// keeps writing to a stderr that went away (`2>&1 | head`) from becoming an error.
//
// Three kinds of line:
// - message: a note about what iofair is doing (Ctrl-C handling); hidden by --quiet;
// - warning: a problem with the input that iofair worked around (a bad line skipped); hidden
//   by --quiet (the report still counts it);
// - errorLine: why iofair stops or exits with a non-zero status; always shown.

import { safeTerm } from '../report/sanitize.js';

const PREFIX = 'iofair: ';

const state = {
  quiet: false,
  /** A progress line is on screen (without a newline) and must be erased first. */
  progressShown: false,
  /** stderr cannot be written any more (EPIPE, or another write error): drop everything. */
  closed: false,
};

/** Treat write errors on stderr as "nobody is listening" instead of an uncaught error. */
export function guardStderr(): void {
  process.stderr.on('error', () => {
    state.closed = true;
  });
}

export function setQuiet(quiet: boolean): void {
  state.quiet = quiet;
}

function write(text: string): void {
  if (state.closed) return;
  try {
    process.stderr.write(text);
  } catch {
    // a synchronous write to a closed pipe or a full file
    state.closed = true;
  }
}

function eraseProgress(): void {
  if (!state.progressShown) return;
  state.progressShown = false;
  write('\r\x1b[2K');
}

/**
 * `text` as lines, each prefixed and made safe for a terminal. Leading newlines stay bare (they
 * move past a `^C` the terminal echoed).
 */
function lines(text: string): string {
  const lead = /^\n*/.exec(text)![0];
  return lead + text
    .slice(lead.length)
    .replace(/\n+$/, '')
    .split('\n')
    .map((l) => PREFIX + safeTerm(l.replace(/\r$/, '')) + '\n')
    .join('');
}

function emit(text: string): void {
  eraseProgress();
  write(lines(text));
}

/** A note about what iofair is doing; hidden by --quiet. */
export function message(text: string): void {
  if (!state.quiet) emit(text);
}

/** A problem with the input that iofair worked around; hidden by --quiet. */
export function warning(text: string): void {
  if (!state.quiet) emit(text);
}

/** Why iofair stops or exits with a non-zero status; shown even with --quiet. */
export function errorLine(text: string): void {
  emit(text);
}

/** Draws the one-line progress note (callers decide whether progress is wanted at all). */
export function progressLine(text: string): void {
  if (state.quiet) return;
  write(`\r\x1b[2K${PREFIX}${safeTerm(text)}`);
  state.progressShown = true;
}

/** Erases the progress line, if one is shown. */
export function clearProgress(): void {
  eraseProgress();
}
