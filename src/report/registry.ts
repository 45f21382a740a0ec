// Every output format, by name: the cli lists them for --format and renders through them; adding
// a format is adding a file and a line here.

import { csvRenderer } from './csv.js';
import { htmlRenderer } from './html.js';
import { jsonRenderer } from './json.js';
import { markdownRenderer } from './markdown.js';
import { promRenderer } from './prom.js';
import { tableRenderer } from './table.js';
import type { Renderer } from './types.js';

export type { Renderer, RenderOptions } from './types.js';

/** In --help order; the first is the default. */
export const renderers: readonly Renderer[] = [tableRenderer, jsonRenderer, csvRenderer, markdownRenderer, promRenderer, htmlRenderer];

export function rendererByName(name: string): Renderer | undefined {
  return renderers.find((r) => r.name === name);
}
