/** Write the report to stdout and wait for it to flush (EPIPE is handled in main: `| head` exits 0). */
export function writeOut(text: string): Promise<void> {
  return new Promise((resolve) => {
    if (process.stdout.write(text)) resolve();
    else process.stdout.once('drain', () => resolve());
  });
}
