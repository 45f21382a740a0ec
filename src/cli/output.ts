// The report's way out: stdout. A reader that went away (`| head`) is not an error (exit 0);
// any other write error (a full disk, a closed descriptor) is one line on stderr and exit 74.

import { EXIT_OUTPUT, errnoText } from './errors.js';
import { errorLine } from './messages.js';

/** Installs the handler for stdout's write errors (once, at start-up). */
export function guardStdout(): void {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    errorLine(`cannot write the report to stdout: ${errnoText(e)}`);
    process.exit(EXIT_OUTPUT);
  });
}

/** Write the report to stdout and wait for it to flush (errors: see guardStdout). */
export function writeOut(text: string): Promise<void> {
  return new Promise((resolve) => {
    if (process.stdout.write(text)) resolve();
    else process.stdout.once('drain', () => resolve());
  });
}
