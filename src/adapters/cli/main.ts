#!/usr/bin/env node
/**
 * The `jobledger` bin: wires the process (arguments, streams, environment, exit code) to {@link runCli}.
 * Everything else lives in the command files beside it, so tests run commands in-process.
 */
import { runCli } from './runCli.js';

const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
// Exit once stdout has drained, even if a handle (a timer, a file) would keep the process alive.
process.stdout.write('', () => process.exit(code));
