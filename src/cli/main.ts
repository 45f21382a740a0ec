// The iofair command line: the only place that touches process, signals and exit codes.

import { existsSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { analyzeCommand } from './analyze.js';
import { scriptCommand } from './script.js';
import { mergeCommand } from './merge.js';
import { CliError, EXIT_ABORTED, EXIT_INTERNAL, EXIT_USAGE, exitCodeHelp } from './errors.js';
import { interrupt } from './input.js';
import { toolVersion } from './version.js';
import { errorLine, guardStderr, message } from './messages.js';
import { guardStdout } from './output.js';

guardStdout();
guardStderr();

let drainTimer: NodeJS.Timeout | undefined;
process.on('SIGINT', () => {
  interrupt.count++;
  if (interrupt.count > 1) {
    errorLine('\naborted');
    process.exit(EXIT_ABORTED);
  }
  if (interrupt.reading === 'pipe') {
    message('\ninterrupted — reading what the producer still flushes, then reporting (Ctrl-C again to abort)');
    const ms = interrupt.drainMs;
    drainTimer = setTimeout(() => {
      message('the producer did not close the pipe in time; reporting what was read (partial)');
      interrupt.stopNow = true;
      interrupt.current?.destroy();
    }, ms);
    drainTimer.unref();
  } else {
    message('\ninterrupted — reporting what was read so far (Ctrl-C again to abort)');
    interrupt.stopNow = true;
    interrupt.current?.destroy();
  }
});

const program = new Command('iofair')
  .description('IO fairness analyzer for multi-tenant hosts: who got an unfair share of the disks, and would IO capping or throttling have fixed it or cost performance?')
  .version(toolVersion(), '-V, --version')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride()
  .addCommand(analyzeCommand(), { isDefault: false })
  .addCommand(mergeCommand())
  .addCommand(scriptCommand())
  .addHelpText(
    'after',
    `
Examples:
  iofair analyze trace.csv
  dtrace -q -s iofair.d | iofair analyze -
  iostat -xn 5 | iofair analyze -
  iofair analyze --json --fail-on 'deviation>0.2' trace.csv.gz   (from cron)
  iofair analyze --format prom -o /var/lib/node_exporter/textfile/iofair.prom trace.csv
  iofair merge node1.json node2.json --format html -o fleet.html

${exitCodeHelp()}`,
  );
// commander's own error lines (unknown option, missing argument) take the same channel
for (const c of [program, ...program.commands])
  c.exitOverride().configureOutput({ writeErr: (text) => errorLine(text), outputError: (text, write) => write(text) });

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (drainTimer) clearTimeout(drainTimer);
  if (e instanceof CommanderError) {
    // help and version exit 0; usage errors were already printed by commander
    process.exitCode = e.exitCode === 0 ? 0 : EXIT_USAGE;
    const first = process.argv[2];
    if (e.code === 'commander.unknownCommand' && first !== undefined && (first === '-' || existsSync(first)))
      errorLine(`did you mean: iofair analyze ${first}`);
  } else if (e instanceof CliError) {
    errorLine(e.message);
    process.exitCode = e.exitCode;
  } else {
    // a bug, not bad input: say so briefly; the stack only with IOFAIR_DEBUG
    const err = e as Error;
    errorLine(`internal error: ${err?.message ?? String(e)}`);
    if (process.env.IOFAIR_DEBUG) errorLine(String(err?.stack));
    process.exitCode = EXIT_INTERNAL;
  }
}
// a pending read of stdin (given up at the drain timeout) would keep the process alive; stdout
// and stderr are written synchronously to files, pipes and terminals on Linux
if (interrupt.abandoned) process.exit();
