import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { choiceOption, integerOption, parseArgs } from '../../../src/adapters/cli/parseArgs.js';

const spec = { size: { type: 'string' }, json: { type: 'boolean' } } as const;

describe('parseArgs', () => {
  it('reads values given as --name v and --name=v, flags, positionals and --', () => {
    expect(parseArgs(['j-1', '--size', '20', '--json'], spec, 'x', 1)).toEqual(
      E.right({ values: { size: '20', json: true }, positionals: ['j-1'], help: false }),
    );
    expect(parseArgs(['--size=5', '--', '--json'], spec, 'x', 1)).toEqual(
      E.right({ values: { size: '5' }, positionals: ['--json'], help: false }),
    );
  });

  it('answers help for --help and -h, whatever else is there', () => {
    const parsed = parseArgs(['extra', '-h'], spec, 'x', 0);
    expect(E.isRight(parsed) && parsed.right.help).toBe(true);
  });

  it.each([
    [['--sise', '3'], 'unknown option --sise for x; run jobledger x --help for its options'],
    [['-s'], 'unknown option -s for x'],
    [['--size'], '--size needs a value'],
    [['--size', '--json'], '--size needs a value'],
    [['--json=yes'], '--json is a flag and takes no value'],
    [['--json', '--json'], '--json was given twice'],
    [['a'], 'unexpected argument "a" for x'],
  ])('refuses %j with a usage failure (exit 2) that says what to do', (args, message) => {
    const parsed = parseArgs(args, spec, 'x', 0);
    expect(E.isLeft(parsed)).toBe(true);
    if (E.isLeft(parsed)) {
      expect(parsed.left.exitCode).toBe(2);
      expect(`${parsed.left.what}; ${parsed.left.todo}`).toContain(message);
    }
  });
});

describe('option values', () => {
  it('integerOption takes whole numbers in range only', () => {
    expect(integerOption('size', '20', 1, 100)).toEqual(E.right(20));
    for (const bad of ['0', '101', '2.5', '1e2', 'ten', '-3', ''])
      expect(E.isLeft(integerOption('size', bad, 1, 100))).toBe(true);
  });

  it('choiceOption ignores letter case and answers the canonical spelling', () => {
    expect(choiceOption('status', 'completed', ['Pending', 'Completed'])).toEqual(E.right('Completed'));
    expect(E.isLeft(choiceOption('status', 'Done', ['Pending', 'Completed']))).toBe(true);
  });
});
