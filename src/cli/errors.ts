/** An error for the user (no stack trace): printed as "iofair: message", exits with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

export const EXIT_OK = 0;
export const EXIT_THRESHOLD = 1;
export const EXIT_USAGE = 2;
export const EXIT_INPUT = 3;
/** The report could not be written (EX_IOERR). */
export const EXIT_OUTPUT = 74;
export const EXIT_ABORTED = 130;

export const usageError = (msg: string) => new CliError(msg, EXIT_USAGE);
export const inputError = (msg: string) => new CliError(msg, EXIT_INPUT);
export const outputError = (msg: string) => new CliError(msg, EXIT_OUTPUT);
