/** The oldest server the store works with: before 22.6, stream reads carry no `$all` positions (all ones). */
export const oldestKurrentServer = { major: 22, minor: 6 } as const;

/**
 * Why a server of this version cannot serve the store, or undefined when it can. `version` is what the server's
 * feature list reports (`"24.10.1"`, `"25.0.0-…"`); servers before 21.10 have no feature list, and the client
 * reports them as `"unknown"`.
 *
 * @example
 * refuseOldServer('21.10.9', 'kurrentdb://db:2113'); // 'kurrentdb://db:2113 runs EventStoreDB 21.10.9; …'
 */
export const refuseOldServer = (version: string, description: string): string | undefined => {
  const match = /^(\d+)\.(\d+)/.exec(version);
  const { major, minor } = oldestKurrentServer;
  if (match !== null) {
    const [got, sub] = [Number(match[1]), Number(match[2])];
    if (got > major || (got === major && sub >= minor)) return undefined;
  }
  const which =
    match === null ? 'a server older than 21.10 (it reports no version)' : `EventStoreDB ${version}`;
  return `${description} runs ${which}; jobledger needs EventStoreDB ${major}.${minor} or later (or any KurrentDB): older servers give stream reads no $all positions, which the read model and read-your-writes depend on. Upgrade the server`;
};
