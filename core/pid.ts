import { readFileSync } from 'node:fs';

/**
 * Whether a process with this id exists and has not exited (signal 0 checks without sending; EPERM means
 * it exists but is not ours). A zombie (exited, not yet reaped by its parent) is not alive: a process
 * killed together with its parent lingers as one until init reaps it, and must not hold a lock meanwhile.
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return !hasExited(pid);
}

/** Linux: the state in /proc/<pid>/stat is Z (zombie) or X (dead). Elsewhere, or unreadable: false. */
function hasExited(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.charAt(stat.lastIndexOf(')') + 2);
    return state === 'Z' || state === 'X';
  } catch {
    return false;
  }
}
