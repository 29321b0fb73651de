import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import type { JobLedger } from '../../app/createJobLedger.js';
import type { JobLedgerSession } from '../../app/JobLedgerSession.js';
import { AccessRelationship, Comment, JobStatus, ResourceArchiveStatus } from '../../domain/dto.js';
import type { JobError } from '../../domain/errors.js';
import { jobStreamId, type StoredEvent } from '../../domain/storedEvent.js';
import { createStreamVerifier } from '../../domain/verifyStream.js';
import { camelCaseKeys } from './camelCaseKeys.js';
import { httpErrorOf } from './httpError.js';
import { principalOf } from './bearerAuth.js';
import { storedEventWire } from './storedEventWire.js';
import { jobJsonText, jsonType, pageJobJsonText } from './wireText.js';

type Params = { id: string; accessId: string };

/**
 * The body as the library's camelCase input (a missing body is an empty object). Typed as an object for the
 * session calls, but it may be any JSON value: the session's codecs refuse what is not an object.
 */
export const inputOf = (request: FastifyRequest): Record<string, unknown> =>
  (camelCaseKeys(request.body ?? {}) ?? {}) as Record<string, unknown>;

/** Runs a session call and answers its value encoded by `encode`, or its error mapped by {@link httpErrorOf}. */
export const answer = async <A>(
  reply: FastifyReply,
  call: TE.TaskEither<JobError, A>,
  encode: (value: A) => unknown,
  statusCode = 200,
): Promise<FastifyReply> => {
  const result = await call();
  if (E.isLeft(result)) return replyWithError(reply, result.left);
  return reply.code(statusCode).send(encode(result.right));
};

/**
 * Like {@link answer}, with the value's JSON text from `toText` (the text fastify would have written for the
 * object, from the read models' shared jobs when they have it: see wireText.ts).
 */
export const answerJson = <A>(
  reply: FastifyReply,
  call: TE.TaskEither<JobError, A>,
  toText: (value: A) => string,
  statusCode = 200,
): Promise<FastifyReply> => answer(reply.type(jsonType), call, toText, statusCode);

/** Answers `error` as {@link httpErrorOf} maps it; a 500's cause goes to the log, never to the caller. */
export const replyWithError = (reply: FastifyReply, error: JobError): FastifyReply => {
  const failure = httpErrorOf(error);
  if (failure.statusCode === 500) reply.log.error({ err: error }, 'store failure');
  return reply.code(failure.statusCode).send(failure.body);
};

const listQuery = (query: Record<string, unknown>): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  const number = (v: unknown) => (typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v);
  for (const [key, value] of Object.entries(camelCaseKeys(query) as Record<string, unknown>)) {
    if (key === 'page' || key === 'size') out[key] = number(value);
    else if (key === 'statusName') out.status = value;
    else out[key] = value;
  }
  return out;
};

/**
 * The hash chain of one job's events, each hash recomputed from the event's content (the page's "verified"
 * mark). Only the chain's own problems: machine and decoding checks are `ledger.verify()`'s, with its upcasters.
 */
export const chainReport = (jobId: string, events: readonly StoredEvent[]) => {
  const verifier = createStreamVerifier(events[0]?.streamId ?? jobStreamId(jobId));
  for (const event of events) verifier.push(event);
  const problems = verifier
    .finish()
    .filter((p) => p.kind === 'hash-mismatch' || p.kind === 'version-gap')
    .map(({ version, kind, detail }) => ({ version, kind, detail }));
  return { ok: problems.length === 0, events: events.length, problems };
};

/**
 * The job routes of DESIGN section 4 over HTTP, each through `ledger.as(principal)`: bodies and answers in the
 * snake_case wire shapes of section 5.
 */
export const jobRoutes = (ledger: JobLedger) => async (app: FastifyInstance) => {
  const session = (request: FastifyRequest): JobLedgerSession => ledger.as(principalOf(request));
  const id = (request: FastifyRequest) => (request.params as Params).id;
  const toJob = jobJsonText;

  app.post('/jobs', async (req, reply) =>
    answerJson(reply, session(req).createJob(inputOf(req) as never), toJob, 201),
  );
  app.get('/jobs', async (req, reply) =>
    answerJson(
      reply,
      session(req).listJobs(listQuery(req.query as Record<string, unknown>) as never),
      pageJobJsonText,
    ),
  );
  app.get('/jobs/:id', async (req, reply) => answerJson(reply, session(req).getJob(id(req)), toJob));
  app.post('/jobs/:id/submit', async (req, reply) =>
    answerJson(reply, session(req).submitJob(id(req)), toJob),
  );
  app.put('/jobs/:id/status', async (req, reply) =>
    answerJson(reply, session(req).updateStatus(id(req), inputOf(req) as never), toJob),
  );
  app.post('/jobs/:id/cancel', async (req, reply) =>
    answerJson(reply, session(req).cancelJob(id(req), inputOf(req)), toJob),
  );
  app.put('/jobs/:id/agent', async (req, reply) =>
    answerJson(reply, session(req).assignAgent(id(req), inputOf(req) as never), toJob),
  );
  app.post('/jobs/:id/archive', async (req, reply) =>
    answerJson(reply, session(req).archiveJob(id(req), inputOf(req)), toJob),
  );
  app.post('/jobs/:id/restore', async (req, reply) =>
    answerJson(reply, session(req).restoreJob(id(req), inputOf(req)), toJob),
  );
  app.patch('/jobs/:id/properties', async (req, reply) =>
    answerJson(reply, session(req).updateProperties(id(req), inputOf(req)), toJob),
  );
  app.post('/jobs/:id/comments', async (req, reply) =>
    answer(reply, session(req).addComment(id(req), inputOf(req) as never), Comment.toDict, 201),
  );
  app.get('/jobs/:id/access', async (req, reply) =>
    answer(reply, session(req).listAccess(id(req)), (list) => list.map(AccessRelationship.toDict)),
  );
  app.post('/jobs/:id/access', async (req, reply) => {
    const input = inputOf(req);
    const call =
      typeof input === 'object' && input !== null && 'email' in input
        ? session(req).createAccessByEmail(id(req), input as never)
        : session(req).createAccess(id(req), input as never);
    return answer(reply, call, AccessRelationship.toDict, 201);
  });
  app.put('/jobs/:id/access/:accessId', async (req, reply) =>
    answer(
      reply,
      session(req).updateAccess(id(req), (req.params as Params).accessId, inputOf(req) as never),
      AccessRelationship.toDict,
    ),
  );
  app.delete('/jobs/:id/access/:accessId', async (req, reply) =>
    answer(
      reply,
      session(req).removeAccess(id(req), (req.params as Params).accessId),
      AccessRelationship.toDict,
    ),
  );
  app.get('/jobs/:id/status-history', async (req, reply) =>
    answer(reply, session(req).statusHistory(id(req)), (list) => list.map(JobStatus.toDict)),
  );
  app.get('/jobs/:id/archive-history', async (req, reply) =>
    answer(reply, session(req).archiveHistory(id(req)), (list) => list.map(ResourceArchiveStatus.toDict)),
  );
  app.get('/jobs/:id/verify', async (req, reply) =>
    answer(reply, session(req).history(id(req)), (events) => chainReport(id(req), events)),
  );
  app.get('/jobs/:id/history', async (req, reply) => {
    const query = camelCaseKeys(req.query ?? {}) as Record<string, unknown>;
    return answer(reply, session(req).history(id(req), query as never), (events) =>
      events.map(storedEventWire),
    );
  });
};
