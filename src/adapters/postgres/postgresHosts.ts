/** One host of a Postgres URL. */
export interface PostgresHost {
  /** A name, an IPv4 address, or an IPv6 address without brackets. */
  readonly host: string;
  readonly port: number;
}

/** A Postgres URL split around its host list (libpq's `postgres://user@h1:p1,h2:p2/db?…`). */
export interface PostgresHostList {
  /** The hosts in the order the URL names them (one for an ordinary URL). */
  readonly hosts: readonly PostgresHost[];
  /** The URL naming `host` alone: what `pg`, which knows one host per connection, is given. */
  urlFor(host: PostgresHost): string;
}

const defaultPort = 5432;
const urlPattern = /^(postgres(?:ql)?:\/\/)([^/?#]*)(.*)$/s;

/** `host:port` as a URL writes it (IPv6 addresses in brackets). */
export const formatPostgresHost = (h: PostgresHost): string =>
  `${h.host.includes(':') ? `[${h.host}]` : h.host}:${h.port}`;

const parseHost = (text: string): PostgresHost | undefined => {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(text);
  if (match === null) return undefined;
  const port = match[3] === undefined ? defaultPort : Number(match[3]);
  if (port < 1 || port > 65535) return undefined;
  return { host: match[1] ?? match[2]!, port };
};

/**
 * Splits a `postgres://` URL into its hosts. Several hosts are libpq's convention
 * (`postgres://app@db1:5432,db2:5432/prod`); a host without a port gets 5432. An ordinary URL gives one host,
 * and `urlFor` gives that URL back unchanged. Throws an Error (one line, no password) for a host list it
 * cannot read.
 *
 * @example
 * const { hosts, urlFor } = splitPostgresHosts('postgres://app@db1,db2:6432/prod');
 * // hosts: [{ host: 'db1', port: 5432 }, { host: 'db2', port: 6432 }]
 * urlFor(hosts[1]!); // 'postgres://app@db2:6432/prod'
 */
export const splitPostgresHosts = (url: string): PostgresHostList => {
  const match = urlPattern.exec(url);
  if (match === null || !match[2]!.includes(',')) {
    const only = match === null ? undefined : parseHost(match[2]!.slice(match[2]!.lastIndexOf('@') + 1));
    return { hosts: [only ?? { host: '', port: defaultPort }], urlFor: () => url };
  }
  const [, scheme, authority, rest] = match;
  const at = authority!.lastIndexOf('@');
  const userinfo = at === -1 ? '' : authority!.slice(0, at + 1);
  const hosts = authority!
    .slice(at + 1)
    .split(',')
    .map((text) => {
      const host = parseHost(text);
      if (host === undefined) {
        throw new Error(
          `the host ${JSON.stringify(text)} in ${scheme}${authority!.slice(at + 1)} is not host[:port]; write several hosts as postgres://user@host1:5432,host2:5432/database`,
        );
      }
      return host;
    });
  return {
    hosts,
    urlFor: (host) => `${scheme}${userinfo}${formatPostgresHost(host)}${rest}`,
  };
};

/** `url` (naming one host) with `hosts` in its place: the inverse of {@link splitPostgresHosts}. */
export const joinPostgresHosts = (url: string, hosts: readonly PostgresHost[]): string => {
  const match = urlPattern.exec(url);
  if (match === null || hosts.length < 2) return url;
  const [, scheme, authority, rest] = match;
  const at = authority!.lastIndexOf('@');
  return `${scheme}${authority!.slice(0, at + 1)}${hosts.map(formatPostgresHost).join(',')}${rest}`;
};
