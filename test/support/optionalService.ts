import { describe, it } from 'vitest';

/** Something a group of tests needs that a machine may lack: a Postgres server, Chromium, a KurrentDB server. */
export interface OptionalService {
  /** Why it cannot be used here (`no Chromium at /usr/bin/chromium`), or undefined when it can. */
  readonly missing: string | undefined;
  /** What to do to run the tests, one clause: `install it with apt-get install chromium`. */
  readonly toRun: string;
  /**
   * Under `CI=true` a missing service fails the tests (the default: CI provides it). `'skip'` is for a service
   * no CI machine of ours can run (a KurrentDB server): its tests stay skipped, and say so.
   */
  readonly inCi?: 'fail' | 'skip';
}

/**
 * `describe` for tests that need `service`. When it is missing they are skipped with one line on stderr saying
 * what to do, and the skipped suite's title carries the reason, so that the test report (and the closing line of
 * `.ci/run`) names it. Under `CI=true` a missing service is one failing test instead, unless `inCi` is `'skip'`.
 *
 * @example
 * describeWith(chromium, 'the page in a browser', () => { ... });
 */
export const describeWith = (service: OptionalService, name: string, body: () => void): void => {
  const { missing } = service;
  if (missing === undefined) {
    describe(name, body);
  } else if (process.env.CI === 'true' && (service.inCi ?? 'fail') === 'fail') {
    describe(name, () => {
      it('has what it needs', () => {
        throw new Error(`${missing}; ${service.toRun} (under CI=true a missing service is a failure)`);
      });
    });
  } else {
    console.warn(`SKIPPED ${name}: ${missing}; ${service.toRun}`);
    describe.skip(`${name} (${missing})`, body);
  }
};
