// Where a finished report goes: stdout, or a file given with --output, written atomically.

import { outputError } from './errors.js';
import { writeOut } from './output.js';
import { writeFileAtomic } from './write-file.js';

/**
 * Renders, then writes to `output` (a file; stdout when undefined or "-"). The report is rendered
 * before the file is touched, so a renderer that fails leaves an existing file as it was.
 */
export async function emitReport(output: string | undefined, render: () => string): Promise<void> {
  const text = render();
  if (output === undefined || output === '-') return writeOut(text);
  try {
    writeFileAtomic(output, text);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw outputError(`--output ${output}: cannot write the report (${err.code ?? 'error'}: ${err.message.replace(/^\w+: /, '').replace(/, \w+ '.*'$/, '')})`);
  }
}

/** Whether the report goes to a terminal (colour, terminal width). */
export function toTerminal(output: string | undefined): boolean {
  return (output === undefined || output === '-') && process.stdout.isTTY === true;
}
