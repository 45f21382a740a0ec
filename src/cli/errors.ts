// Exit codes (the BSD sysexits values where one fits) and the errors that carry them. The table
// below is the one source: --help prints it, and a test holds the README to it.

/** An error for the user (no stack trace): printed as "iofair: message", exits with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

export const EXIT_THRESHOLD = 1;
export const EXIT_USAGE = 2;
export const EXIT_INPUT = 3;
/** EX_SOFTWARE: a bug in iofair, never bad input. */
export const EXIT_INTERNAL = 70;
/** EX_IOERR: the report could not be written (disk full, closed descriptor, …). */
export const EXIT_OUTPUT = 74;
export const EXIT_ABORTED = 130;

/** Every exit status iofair uses, with what it means, for --help and the README. */
export const EXIT_CODES: readonly [number, string][] = [
  [0, 'ok: the report was written'],
  [EXIT_THRESHOLD, 'a --fail-on threshold was crossed (the report is written too)'],
  [EXIT_USAGE, 'usage error (a bad option, a file that cannot be opened, a --fail-on threshold this input cannot judge, under --strict a zone named in an option that the input lacks)'],
  [EXIT_INPUT, 'unusable input (no valid record, a read error, a bad line under --strict; merge: a report that cannot be read or merged)'],
  [EXIT_INTERNAL, 'internal error (a bug in iofair; IOFAIR_DEBUG=1 prints its stack)'],
  [EXIT_OUTPUT, 'the report could not be written (stdout or --output; e.g. disk full)'],
  [EXIT_ABORTED, 'aborted (second Ctrl-C, or Ctrl-C during the what-if replay)'],
];

/** The exit code table as --help prints it. */
export function exitCodeHelp(): string {
  return 'Exit status:\n' + EXIT_CODES.map(([code, what]) => `  ${String(code).padStart(3)}  ${what}`).join('\n');
}

export const usageError = (msg: string) => new CliError(msg, EXIT_USAGE);
export const inputError = (msg: string) => new CliError(msg, EXIT_INPUT);
export const outputError = (msg: string) => new CliError(msg, EXIT_OUTPUT);

/** A system error as one short phrase: "no space left on device (ENOSPC)". */
export function errnoText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const code = err?.code;
  const msg = String(err?.message ?? e);
  // Node words them "ENOSPC: no space left on device, write [path]"
  const m = /^[A-Z0-9_]+: (.*?)(?:, \w+(?: .*)?)?$/.exec(msg);
  const what = m ? m[1] : msg;
  return code && !what.includes(code) ? `${what} (${code})` : what;
}
