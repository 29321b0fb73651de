import { readFileSync } from 'node:fs';
import * as E from 'fp-ts/lib/Either.js';
import { decodeWith } from '../../domain/codecs/decode.js';
import { inputCodecs } from '../../domain/codecs/inputs.js';
import type { AgentPrincipal, UserPrincipal } from '../../domain/principal.js';

/** Who a bearer token stands for: a user or an agent of one tenant (the system principal has no token). */
export type TokenPrincipal = UserPrincipal | AgentPrincipal;

/** Bearer token -> principal. */
export type TokenTable = ReadonlyMap<string, TokenPrincipal>;

/**
 * Decodes a tokens document: `{ "<token>": { "kind": "user", "id": "u-1", "tenantId": "t1" }, ... }`
 * (agents: `"kind": "agent"`, optional `"poolIds"`; users: optional `"email"`, `"roles": ["administrator"]`).
 * Answers a one-line problem naming the failing token's position instead of throwing.
 *
 * @example
 * parseTokens('{"secret-1":{"kind":"agent","id":"a-1","tenantId":"t1","poolIds":["gpu"]}}');
 */
export const parseTokens = (text: string): E.Either<string, TokenTable> => {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (cause) {
    return E.left(`the tokens are not JSON (${cause instanceof Error ? cause.message : String(cause)})`);
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document))
    return E.left('the tokens must be a JSON object of token -> principal');
  const table = new Map<string, TokenPrincipal>();
  for (const [token, principal] of Object.entries(document)) {
    if (token.length < 8) return E.left(`token ${JSON.stringify(token)} is shorter than 8 characters`);
    const decoded = decodeWith(inputCodecs.principal, 'principal')(principal);
    if (E.isLeft(decoded))
      return E.left(
        `token ${token.slice(0, 4)}…: ${decoded.left.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      );
    if (decoded.right.kind === 'system')
      return E.left(`token ${token.slice(0, 4)}…: the system principal cannot be given a token`);
    table.set(token, decoded.right);
  }
  return E.right(table);
};

/** Reads and decodes a tokens file (see {@link parseTokens}). */
export const readTokensFile = (path: string): E.Either<string, TokenTable> => {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    return E.left(
      `cannot read the tokens file ${path}: ${cause instanceof Error ? cause.message : String(cause)}`,
    );
  }
  return E.mapLeft((problem: string) => `${path}: ${problem}`)(parseTokens(text));
};
