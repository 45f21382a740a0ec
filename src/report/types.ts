// What every renderer is: a pure function from the Analysis to text, plus what the cli needs to
// know about it. Renderers read the Analysis and format it; they compute no statistic.

import type { ChalkInstance } from 'chalk';
import type { Analysis } from '../core/analysis.js';

export interface RenderOptions {
  /** Colour for human formats (level 0: none); machine-readable formats ignore it. */
  chalk: ChalkInstance;
  /** Columns available (terminal width or COLUMNS); formats that do not wrap ignore it. */
  width: number;
}

export interface Renderer {
  /** The --format name. */
  name: string;
  /** One line for --help. */
  description: string;
  /** Plain text for a program, a file or another renderer (Markdown, HTML): never coloured. */
  machineReadable: boolean;
  /** File name extension for --output, without the dot. */
  extension: string;
  /** Shows the timeline (Analysis.timeline): only then does the observe pass compute it. */
  usesTimeline: boolean;
  render(a: Analysis, o: RenderOptions): string;
  /**
   * --every: how snapshots are shown while reading. 'append': each snapshot's text follows the
   * last (one NDJSON line); 'redraw': the terminal is cleared first. Absent: no live mode.
   */
  live?: { mode: 'append' | 'redraw'; render(a: Analysis, o: RenderOptions): string };
}
