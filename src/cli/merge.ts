// iofair merge: one report from the JSON reports of several nodes or time windows, in any format.

import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { isatty } from 'node:tty';
import { mergeReports, MergeError, type NamedReport } from '../core/merge.js';
import { inputError, usageError } from './errors.js';
import { emitReport } from './report-output.js';
import { formatOption, formatsHelp, renderSetup, sortOption } from './render-setup.js';
import { sortZones, type SortKey } from '../core/sort.js';
import { toolVersion } from './version.js';

interface MergeFlags {
  format: string;
  sort: SortKey;
  json?: boolean;
  output?: string;
  color: boolean;
}

const EXAMPLES = `
Examples:
  iofair merge node1.json node2.json node3.json          one report for three nodes
  iofair merge --format html -o fleet.html /reports/*.json
  iofair merge mon.json tue.json --format csv            two days of one node
  iofair merge report.json --format prom                 convert one report (nothing is lost)

Counts, bytes, device time and fair time add up; percentiles come from the merged latency
histograms; shares, deviations and fairness are recomputed. What only holds for one window
(a replay's makespan and Jain's index, a device's median capacity, the verdict) is null in the
merged report, and its notes say so. A file of NDJSON lines (analyze --every --json) counts by
its last line, the final report.

Exit status: 0 ok, 2 usage error, 3 a report cannot be read or merged (bad JSON, another
schema_version), 74 the report could not be written.`;

export function mergeCommand(): Command {
  return new Command('merge')
    .description('combine JSON reports (iofair analyze --json) from several nodes or time windows into one report')
    .argument('<reports...>', 'JSON reports written by iofair analyze --json (- reads one from stdin)')
    .addOption(formatOption())
    .option('--json', 'same as --format json')
    .addOption(sortOption())
    .option('-o, --output <file>', 'write the report to FILE atomically (a temporary file beside it, then a rename)')
    .option('--no-color', 'no colour (also NO_COLOR=1); FORCE_COLOR forces it')
    .addHelpText('after', formatsHelp())
    .addHelpText('after', EXAMPLES)
    .action(async (files: string[], flags: MergeFlags) => {
      await runMerge(files, flags);
    });
}

/** A report file's JSON: the whole file, or (NDJSON from --every) its last line. */
function readReport(file: string): NamedReport {
  // isatty, not process.stdin.isTTY: creating process.stdin would make fd 0 non-blocking
  if (file === '-' && isatty(0)) throw usageError('merge -: stdin is a terminal; pipe a report in');
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw inputError(`${file}: cannot read (${err.code ?? err.message})`);
  }
  const name = file === '-' ? '(stdin)' : file;
  try {
    return { name, report: JSON.parse(text) };
  } catch (whole) {
    const lines = text.split('\n').filter((l) => l.trim() !== '');
    if (lines.length > 1) {
      try {
        return { name, report: JSON.parse(lines[lines.length - 1]) };
      } catch {
        // fall through: report the error of the whole file
      }
    }
    throw inputError(`${name}: not a JSON report (${(whole as Error).message})`);
  }
}

export async function runMerge(files: string[], flags: MergeFlags): Promise<void> {
  if (files.filter((f) => f === '-').length > 1) throw usageError('stdin (-) can be read only once');
  const { renderer, options } = renderSetup(flags.json ? 'json' : flags.format, flags);
  const reports = files.map(readReport);
  let merged;
  try {
    merged = mergeReports(reports, toolVersion());
  } catch (e) {
    if (e instanceof MergeError) throw inputError(e.message);
    throw e;
  }
  await emitReport(flags.output, () => renderer.render(sortZones(merged, flags.sort), options));
}
