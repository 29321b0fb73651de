import * as E from 'fp-ts/lib/Either.js';
import { decodeWith } from '../../domain/codecs/decode.js';
import { inputCodecs } from '../../domain/codecs/inputs.js';
import { JobError, type ValidationError } from '../../domain/errors.js';
import type { JobState } from '../../domain/jobState.js';
import type { AccessRelationship } from '../../domain/model.js';
import { atLeast, relationOf } from '../../domain/policy.js';
import type { JobCommand } from '../../domain/decide.js';
import type { JobLedgerSession } from '../JobLedgerSession.js';
import type { Result, SessionKit } from './sessionKit.js';

/** The calls that manage who may see and change a job (owner or administrator). @internal */
export const accessCalls = (
  kit: SessionKit,
): Pick<
  JobLedgerSession,
  'createAccess' | 'createAccessByEmail' | 'updateAccess' | 'removeAccess' | 'listAccess'
> => {
  const { principal, run, visible, withInput } = kit;
  const accessCommand = async (
    id: unknown,
    command: E.Either<ValidationError, JobCommand>,
    pick: (s: JobState) => AccessRelationship | undefined,
  ): Result<AccessRelationship> => {
    const r = await run(id, command);
    if (E.isLeft(r)) return r;
    const found = pick(r.right);
    return found === undefined ? E.left(JobError.store('access change was not recorded')) : E.right(found);
  };

  return {
    createAccess: (id, input) => () =>
      accessCommand(
        id,
        withInput(inputCodecs.createAccess, 'input', input, (i) => ({ type: 'GrantAccess', ...i })),
        (s) => s.access[s.access.length - 1],
      ),
    createAccessByEmail: (id, input) => () =>
      accessCommand(
        id,
        withInput(inputCodecs.createAccessByEmail, 'input', input, (i) => ({
          type: 'GrantAccess',
          subjectType: 'email',
          subjectId: i.email,
          relation: i.relation,
        })),
        (s) => s.access[s.access.length - 1],
      ),
    updateAccess: (id, accessId, input) => () => {
      const aid = decodeWith(inputCodecs.jobId, 'accessId')(accessId);
      if (E.isLeft(aid)) return Promise.resolve(aid);
      return accessCommand(
        id,
        withInput(inputCodecs.updateAccess, 'input', input, (i) => ({
          type: 'UpdateAccess',
          accessId: aid.right,
          relation: i.relation,
        })),
        (s) => s.access.find((a) => a.id === aid.right),
      );
    },
    removeAccess: (id, accessId) => async () => {
      const aid = decodeWith(inputCodecs.jobId, 'accessId')(accessId);
      if (E.isLeft(aid)) return aid;
      const before = await visible(id);
      const grant = E.isRight(before) ? before.right.access.find((a) => a.id === aid.right) : undefined;
      const r = await run(id, { type: 'RevokeAccess', accessId: aid.right });
      if (E.isLeft(r)) return r;
      return grant === undefined
        ? E.left(JobError.notFound('access relationship', aid.right))
        : E.right(grant);
    },
    listAccess: (id) => async () => {
      const s = await visible(id);
      if (E.isLeft(s)) return s;
      if (!atLeast(relationOf(principal, s.right), 'owner'))
        return E.left(JobError.forbidden('listing access needs owner access to the job; ask its owner'));
      return E.right(s.right.access);
    },
  };
};
