import type { ChildProcess } from 'node:child_process';

/**
 * A child process's stdout as lines, as they come (a partial line waits for its end), its stderr as text, and
 * its exit code. For tests whose children report what they did one line at a time.
 */
export const childOutput = (proc: ChildProcess) => {
  const lines: string[] = [];
  let partial = '';
  let stderr = '';
  proc.stdout?.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
  });
  proc.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return { lines, exited, stderr: () => stderr };
};
