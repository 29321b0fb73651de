import type { JobLedgerSession } from '../../app/JobLedgerSession.js';
import { AccessRelationship } from '../../domain/dto.js';
import { listOf } from './answerCodecs.js';
import { snakeCaseKeys, type RemoteKit } from './remoteKit.js';

type AccessCallNames =
  'createAccess' | 'createAccessByEmail' | 'updateAccess' | 'removeAccess' | 'listAccess';

/** The remote client's access calls (owner/administrator only, as in process). @internal */
export const remoteAccessCalls = (kit: RemoteKit): Pick<JobLedgerSession, AccessCallNames> => {
  const { jobPath, call } = kit;
  const create = (id: unknown, input: unknown) =>
    call(
      jobPath(id),
      (path) => ({
        method: 'POST',
        path: `${path}/access`,
        route: 'POST /jobs/{id}/access',
        command: true,
        json: snakeCaseKeys(input ?? {}),
      }),
      AccessRelationship.fromDict,
    );
  const grant = (method: 'PUT' | 'DELETE') => (id: unknown, accessId: unknown, input?: unknown) =>
    call(
      jobPath(id),
      (path) => ({
        method,
        path: `${path}/access/${encodeURIComponent(String(accessId))}`,
        route: `${method} /jobs/{id}/access/{accessId}`,
        command: true,
        ...(method === 'PUT' && { json: snakeCaseKeys(input ?? {}) }),
      }),
      AccessRelationship.fromDict,
    );
  return {
    createAccess: create,
    createAccessByEmail: create,
    updateAccess: (id, accessId, input) => grant('PUT')(id, accessId, input),
    removeAccess: (id, accessId) => grant('DELETE')(id, accessId),
    listAccess: (id) =>
      call(
        jobPath(id),
        (path) => ({ method: 'GET', path: `${path}/access`, route: 'GET /jobs/{id}/access', command: false }),
        listOf(AccessRelationship.fromDict),
      ),
  };
};
