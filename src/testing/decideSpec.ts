import * as E from 'fp-ts/lib/Either.js';
import { decide, type DecideContext, type JobCommand } from '../domain/decide.js';
import type { JobEvent } from '../domain/codecs/events.js';
import type { JobError } from '../domain/errors.js';
import { evolve, initialJobState, type JobState } from '../domain/jobState.js';
import { actorOf, type Principal } from '../domain/principal.js';

/** Options of {@link decideSpec}: the clock, the lease and the id source of the decider under test. */
export interface DecideSpecOptions {
  readonly now?: Date;
  readonly leaseMs?: number;
  readonly ids?: () => string;
}

/** A given event, with who recorded it (default: the system). */
export type GivenEvent = JobEvent | { readonly event: JobEvent; readonly by: Principal };

const sequentialIds = (): (() => string) => {
  let n = 0;
  return () => `spec-${n++}`;
};

/**
 * Given/when/then over `decide`, in the Emmett style: given these events, when this principal sends this
 * command, then these events (or this error). Assertion-library free: `then*` throw an Error with a readable
 * diff-like message, so it works in any test runner.
 *
 * @example
 * decideSpec()
 *   .given([created, submitted])
 *   .when(alice, { type: 'CancelJob' })
 *   .thenEvents((events) => events[0]?.type === 'JobStatusChanged');
 */
export const decideSpec = (options: DecideSpecOptions = {}) => {
  const now = options.now ?? new Date('2026-01-01T00:00:00.000Z');
  return {
    given(events: readonly GivenEvent[]) {
      let state: JobState = initialJobState;
      events.forEach((given, version) => {
        const { event, by } =
          'event' in given ? given : { event: given, by: { kind: 'system', id: 'system' } as Principal };
        state = evolve(state, event, { at: now, actor: actorOf(by), version });
      });
      return {
        state,
        when(principal: Principal, command: JobCommand) {
          const ctx: DecideContext = {
            principal,
            now,
            newId: options.ids ?? sequentialIds(),
            leaseMs: options.leaseMs ?? 60_000,
          };
          const result = decide(command, state, ctx);
          const show = () =>
            E.isLeft(result) ? `${result.left._tag}: ${result.left.message}` : JSON.stringify(result.right);
          return {
            result,
            /** Expects exactly these events (compared as JSON), or a predicate over them to hold. */
            thenEvents(
              expected: readonly JobEvent[] | ((events: readonly JobEvent[]) => boolean),
            ): readonly JobEvent[] {
              if (E.isLeft(result)) throw new Error(`expected events, got ${show()}`);
              const holds =
                typeof expected === 'function'
                  ? expected(result.right)
                  : JSON.stringify(result.right) === JSON.stringify(expected);
              if (!holds)
                throw new Error(
                  `events differ: got ${show()}${typeof expected === 'function' ? '' : `, expected ${JSON.stringify(expected)}`}`,
                );
              return result.right;
            },
            /** Expects the command to be refused with this error tag (and fields, if given). */
            thenError(tag: JobError['_tag'], fields: Partial<Record<string, unknown>> = {}): JobError {
              if (E.isRight(result)) throw new Error(`expected ${tag}, got events ${show()}`);
              if (result.left._tag !== tag) throw new Error(`expected ${tag}, got ${show()}`);
              for (const [k, v] of Object.entries(fields)) {
                const actual = (result.left as unknown as Record<string, unknown>)[k];
                if (JSON.stringify(actual) !== JSON.stringify(v)) {
                  throw new Error(
                    `${tag}.${k}: expected ${JSON.stringify(v)}, got ${JSON.stringify(actual)}`,
                  );
                }
              }
              return result.left;
            },
          };
        },
      };
    },
  };
};
