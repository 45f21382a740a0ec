// Writing a report to a file the way node_exporter's textfile collector (and anything else that
// reads the file while iofair runs from cron) needs: the whole report or nothing. The text goes
// to a temporary file in the same directory (a rename across file systems is a copy, not atomic),
// which then replaces the target in one rename. On any failure the temporary file is removed and
// the target is left as it was. The temporary name does not end in the target's extension, so a
// collector reading *.prom never sees it.

import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** Writes `text` to `path` atomically. Throws the system error (the temporary file is gone by then). */
export function writeFileAtomic(path: string, text: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  // O_EXCL: never write through a file or symlink someone else put at the temporary name
  const fd = openSync(tmp, 'wx', 0o644);
  try {
    const buf = Buffer.from(text, 'utf8');
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    unlinkQuietly(tmp);
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (e) {
    unlinkQuietly(tmp);
    throw e;
  }
}

function unlinkQuietly(p: string): void {
  try {
    unlinkSync(p);
  } catch {
    // already gone
  }
}
