// One sanitiser for every untrusted string (zone, device, file names from traces) before it
// reaches a terminal: C0 controls (except tab), DEL, C1 controls and bidi overrides become visible
// escapes, so a zone named "\x1b]52;..." cannot rewrite the screen or the clipboard.

const UNSAFE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

export function safeTerm(s: string): string {
  return s.replace(UNSAFE, (c) => {
    const n = c.charCodeAt(0);
    return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u{${n.toString(16)}}`;
  });
}
