/** The URL schemes the official client accepts (`esdb` ones are deprecated by the client but still work). */
export const kurrentdbSchemes = [
  'kurrentdb://',
  'kurrentdb+discover://',
  'kurrent://',
  'kurrent+discover://',
  'kdb://',
  'kdb+discover://',
  'esdb://',
  'esdb+discover://',
] as const;

/** A KurrentDB store URL, split into what the client gets and what jobledger keeps for itself. */
export interface KurrentdbUrlOptions {
  /** The connection string for `KurrentDBClient.connectionString`, without jobledger's own parameters. */
  readonly connectionString: string;
  /** The SQL projection store URL (`sqlite:./views.db`, `postgres://…`), when one was given. */
  readonly projections: string | undefined;
  /** The URL without credentials, for messages. */
  readonly description: string;
}

const usage =
  'use kurrentdb://host:2113?tls=false (or kurrentdb+discover://, esdb://; any connection string the KurrentDB client accepts), optionally with &projections=sqlite:./views.db or &projections=postgres://…';

/** Removes `user:password@` from a connection string. */
export const redactKurrentdbUrl = (url: string): string => url.replace(/^([a-z+]+:\/\/)[^@/?]*@/i, '$1***@');

/**
 * Reads a `kurrentdb://` store URL. `projections` is jobledger's (the SQL store that holds the read models);
 * every other parameter goes to the client unchanged, except `throwOnAppendFailure=false`, which is refused.
 * Throws an Error saying what a URL looks like otherwise.
 *
 * Which keys apply to what: writes and subscriptions go over the client's gRPC connection, which reads every key
 * of the client. Reads (`readStream`, `readAll`, and the tip an append reads first) go over a second, native
 * connection inside the client (`@kurrent/bridge`, the `kurrentdb` Rust crate 1.1) with its own node discovery:
 * it parses the same URL and honours `tls`, `tlsVerifyCert`, `tlsCAFile`, `userCertFile`/`userKeyFile`,
 * `nodePreference`, `maxDiscoverAttempts`, `discoveryInterval`, `gossipTimeout`, `keepAliveInterval`,
 * `keepAliveTimeout`, `defaultDeadline`, `connectionName` and the credentials, and ignores the rest (the
 * client's own `throwOnAppendFailure`, `dnsDiscover`). Since a read may be served by a follower that lags
 * (`nodePreference=follower`), the store reads a stream's tip with `requiresLeader`.
 */
export const parseKurrentdbUrl = (url: string): KurrentdbUrlOptions => {
  const scheme = kurrentdbSchemes.find((s) => typeof url === 'string' && url.startsWith(s));
  if (scheme === undefined) {
    throw new Error(
      `not a KurrentDB store URL: ${JSON.stringify(redactKurrentdbUrl(String(url)))}; ${usage}`,
    );
  }
  const questionMark = url.indexOf('?');
  const base = questionMark === -1 ? url : url.slice(0, questionMark);
  if (base.length === scheme.length) {
    throw new Error(`the KurrentDB store URL ${redactKurrentdbUrl(url)} names no host; ${usage}`);
  }
  const kept: string[] = [];
  let projections: string | undefined;
  if (questionMark !== -1) {
    for (const pair of url.slice(questionMark + 1).split('&')) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      const key = eq === -1 ? pair : pair.slice(0, eq);
      if (key.toLowerCase() === 'projections') {
        const value = decodeURIComponent(eq === -1 ? '' : pair.slice(eq + 1));
        if (!value.startsWith('sqlite:') && !/^postgres(ql)?:\/\//.test(value)) {
          throw new Error(
            `projections=${JSON.stringify(value)} in ${redactKurrentdbUrl(url)} is not a SQL projection store; give sqlite:<file> or postgres://…`,
          );
        }
        projections = value;
      } else if (
        key.toLowerCase() === 'throwonappendfailure' &&
        pair.slice(eq + 1).toLowerCase() === 'false'
      ) {
        // With it the client answers a lost race as { success: false } and (batch appends) a wrong actual version.
        throw new Error(
          `throwOnAppendFailure=false in ${redactKurrentdbUrl(url)} is not supported: jobledger needs the server's conflicts as errors to report a lost race with the true stream version; remove the parameter`,
        );
      } else kept.push(pair);
    }
  }
  const connectionString = kept.length === 0 ? base : `${base}?${kept.join('&')}`;
  return { connectionString, projections, description: redactKurrentdbUrl(url) };
};
