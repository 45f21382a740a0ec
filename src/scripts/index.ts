// Collection scripts printed by `iofair script NAME`. Each entry is one file in this folder.

import { bpftraceScript } from './bpftrace.js';
import { cgroupScript } from './cgroup.js';
import { dtraceScript } from './dtrace.js';

export interface CollectionScript {
  /** `iofair script <name>` */
  name: string;
  /** One line for `iofair script --help`. */
  summary: string;
  /** Longer help: what it collects, its limits (zone attribution), how to run it. */
  help: string;
  /** Allowed values of --level, first is the default; empty when the script has no levels. */
  levels: string[];
  render(opts: { level?: string }): string;
}

export const scripts: CollectionScript[] = [bpftraceScript, cgroupScript, dtraceScript];
