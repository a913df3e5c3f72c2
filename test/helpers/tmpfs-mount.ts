import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';

/**
 * Small tmpfs mounts for storage-fault tests: a disk that can really fill up
 * (SQLITE_FULL), and a file system that is really read-only (EROFS, which
 * root cannot bypass the way it bypasses chmod). Needs root and mount
 * permission; `canMountTmpfs` says whether this machine allows it.
 */
let probed: boolean | null = null;

export function canMountTmpfs(probeDir: string): boolean {
  if (probed !== null) return probed;
  if (process.getuid?.() !== 0) {
    probed = false;
  } else {
    mkdirSync(probeDir, { recursive: true });
    probed = mountTmpfs(probeDir, { sizeBytes: 1024 * 1024 }) && unmount(probeDir);
  }
  return probed;
}

/** Mounts a tmpfs of `sizeBytes` at `dir` (created if missing). Returns false if mount refused. */
export function mountTmpfs(dir: string, options: { sizeBytes: number; readOnly?: boolean }): boolean {
  mkdirSync(dir, { recursive: true });
  const flags = [`size=${options.sizeBytes}`, 'mode=0755', ...(options.readOnly ? ['ro'] : [])].join(',');
  return spawnSync('mount', ['-t', 'tmpfs', '-o', flags, 'tmpfs', dir], { stdio: 'ignore' }).status === 0;
}

/** Switches an existing mount to read-only (or back). */
export function remount(dir: string, readOnly: boolean): boolean {
  return spawnSync('mount', ['-o', `remount,${readOnly ? 'ro' : 'rw'}`, dir], { stdio: 'ignore' }).status === 0;
}

export function unmount(dir: string): boolean {
  return spawnSync('umount', ['-l', dir], { stdio: 'ignore' }).status === 0;
}
