// The one escaper for text that reaches HTML or SVG (element text and attribute values alike):
// control characters become visible escapes first (XML forbids most of them; see sanitize.ts),
// then & < > " ' become character references, so a zone named "<script>…" is shown, not run.

import { safeTerm } from './sanitize.js';

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(s: string): string {
  return safeTerm(s).replace(/[&<>"']/g, (c) => ENTITIES[c]);
}
