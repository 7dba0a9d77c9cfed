// Crash-safe writes. See Note [Atomic saves].
//
// Note [Atomic saves]: a save must leave, whenever the process dies, either the old model or
// the new one loadable, never a mix. Each file is written to a temporary name in the target
// folder (same file system, so rename is atomic), fsynced, and renamed into place; the folder
// is fsynced after the renames. The weights go first, under a name derived from their content
// (weights.<16 hex of sha256>.bin), so they never overwrite the file an existing model.json
// points to; model.json (or the .keras/.safetensors file) is renamed last and is the commit
// point. Only after that are the weight files no longer referenced removed (and temporary
// files of dead processes). A kill before the commit leaves the old model.json and its weights
// untouched; a kill after it leaves the new one complete (plus, at worst, an orphan file the
// next save removes). One writer per folder is assumed: two processes saving into the same
// folder at once may remove each other's new weights file.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

const TMP_MARK = '.tmp-';

function writeFully(fd: number, data: Uint8Array): void {
  let at = 0;
  while (at < data.length) at += fs.writeSync(fd, data, at, data.length - at);
}

export function fsyncDir(dir: string): void {
  let fd: number | null = null;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch (e) {
    // Some file systems (and Windows) cannot fsync a directory; the renames are still atomic.
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM' && code !== 'EBADF') throw e;
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}

/** Writes `data` to `target` atomically: temporary file in the same folder, fsync, rename. */
export function writeFileAtomic(target: string, data: Uint8Array | string, syncDir = true): void {
  const dir = path.dirname(target);
  const tmp = path.join(dir, `.${path.basename(target)}${TMP_MARK}${process.pid}-${crypto.randomBytes(4).toString('hex')}`);
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const fd = fs.openSync(tmp, 'w', 0o644);
  try {
    writeFully(fd, bytes);
    fs.fsyncSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    try { fs.unlinkSync(tmp); } catch { /* already gone */ }
    throw e;
  }
  fs.closeSync(fd);
  try {
    fs.renameSync(tmp, target);
  } catch (e) {
    try { fs.unlinkSync(tmp); } catch { /* already gone */ }
    throw e;
  }
  if (syncDir) fsyncDir(dir);
}

/** A content-derived file name: `${stem}.${16 hex}.${ext}`. */
export function contentName(stem: string, ext: string, data: Uint8Array): string {
  return `${stem}.${crypto.createHash('sha256').update(data).digest('hex').slice(0, 16)}.${ext}`;
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes, from `dir`, files matching `isOurs` that `keep` does not name, and temporary files
 * left by processes that are no longer running. Errors are ignored (cleanup is best effort).
 */
export function cleanUp(dir: string, keep: Set<string>, isOurs: (name: string) => boolean): void {
  let names: string[];
  try { names = fs.readdirSync(dir); } catch { return; }
  for (const name of names) {
    let remove = false;
    const tmpAt = name.indexOf(TMP_MARK);
    if (name.startsWith('.') && tmpAt > 0) {
      const pid = Number(name.slice(tmpAt + TMP_MARK.length).split('-')[0]);
      remove = Number.isInteger(pid) && pid > 0 && !processAlive(pid);
    } else if (isOurs(name) && !keep.has(name)) {
      remove = true;
    }
    if (remove) {
      try { fs.unlinkSync(path.join(dir, name)); } catch { /* raced or not ours to remove */ }
    }
  }
}
