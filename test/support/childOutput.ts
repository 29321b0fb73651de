import type { ChildProcess } from 'node:child_process';

/**
 * A child process's stdout as lines, as they come (a partial line waits for its end), its stderr as text, its
 * exit code, and `printed(holds)`: resolves once the lines so far satisfy `holds` (checked on every new line, not
 * polled), rejects when the child exits first. For tests whose children report what they did one line at a time.
 */
export const childOutput = (proc: ChildProcess) => {
  const lines: string[] = [];
  let partial = '';
  let stderr = '';
  let onLines = () => {};
  proc.stdout?.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
    onLines();
  });
  proc.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const printed = (holds: (lines: readonly string[]) => boolean): Promise<void> =>
    new Promise((resolve, reject) => {
      onLines = () => {
        if (holds(lines)) resolve();
      };
      onLines();
      void exited.then((code) =>
        reject(new Error(`the child exited (${code}) after printing ${lines.length} lines: ${stderr}`)),
      );
    });
  return { lines, exited, printed, stderr: () => stderr };
};
