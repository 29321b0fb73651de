import type * as t from 'io-ts';
import {
  AccessRelationshipCodec,
  CommentCodec,
  CommentReplyCodec,
  FileCodec,
  FileRevisionArchiveStatusCodec,
  JobFileRevisionCodec,
  TokenCodec,
  JobCodec,
  JobFileCodec,
  JobStatusCodec,
  NoJobResponseCodec,
  PageJobCodec,
  ResourceArchiveStatusCodec,
  ResponseGetJobForAgentCodec,
} from '../../domain/codecs/wire.js';
import { inputCodecs } from '../../domain/codecs/inputs.js';
import { jsonSchemaOf, type JsonSchema } from '../../domain/codecs/jsonSchema.js';
import { jobStatusNames } from '../../domain/JobStatusName.js';

/** What the OpenAPI document says of one route. */
export interface RouteSchema {
  readonly summary: string;
  readonly tags: readonly string[];
  readonly description?: string;
  readonly params?: JsonSchema;
  readonly querystring?: JsonSchema;
  readonly body?: JsonSchema;
  /** Content types of the body, when not JSON. */
  readonly consumes?: readonly string[];
  /** Content types of the answer, when not JSON. */
  readonly produces?: readonly string[];
  readonly response: Readonly<Record<string, JsonSchema>>;
}

// The wire shapes with a name of their own: OpenAPI components, referred to from routes and from each other.
const named = new Map<t.Any, string>([
  [JobCodec, 'Job'],
  [PageJobCodec, 'PageJob'],
  [JobFileCodec, 'JobFile'],
  [JobStatusCodec, 'JobStatus'],
  [ResourceArchiveStatusCodec, 'ResourceArchiveStatus'],
  [CommentCodec, 'Comment'],
  [FileCodec, 'File'],
  [JobFileRevisionCodec, 'FileRevision'],
  [TokenCodec, 'Token'],
  [FileRevisionArchiveStatusCodec, 'FileRevisionArchiveStatus'],
  [AccessRelationshipCodec, 'AccessRelationship'],
  [NoJobResponseCodec, 'NoJobResponse'],
  [ResponseGetJobForAgentCodec, 'ResponseGetJobForAgent'],
]);
const refOf = (codec: t.Any): string | undefined => {
  // A comment's replies are comments.
  const name = codec === CommentReplyCodec ? 'Comment' : named.get(codec);
  return name === undefined ? undefined : `#/components/schemas/${name}`;
};
const wire = (codec: t.Any): JsonSchema => {
  const ref = refOf(codec);
  return ref === undefined ? jsonSchemaOf(codec, { refOf }) : { $ref: ref };
};
// Request bodies are the library's inputs with snake_case keys (the service camelCases them before decoding).
const input = (codec: t.Any) => jsonSchemaOf(codec, { snakeCaseKeys: true });
const list = (codec: t.Any): JsonSchema => ({ type: 'array', items: wire(codec) });
const object = (properties: Record<string, JsonSchema>, required = Object.keys(properties)): JsonSchema => ({
  type: 'object',
  properties,
  required,
});
const string: JsonSchema = { type: 'string' };
const statusName: JsonSchema = { type: 'string', enum: jobStatusNames };

const errorSchema: JsonSchema = {
  title: 'Error',
  ...object(
    {
      error: string,
      message: string,
      issues: { type: 'array', items: object({ path: string, message: string }) },
      from: statusName,
      to: statusName,
      allowed: { type: 'array', items: statusName },
      kind: string,
    },
    ['error', 'message'],
  ),
};
const error = (description: string): JsonSchema => ({ description, $ref: '#/components/schemas/Error' });
/** The error answers every API route may give (each an `Error` body). */
export const errorAnswers = {
  401: error('no known bearer token'),
  403: error('Forbidden: the principal may see the job but not do this'),
  404: error('NotFound: no such job visible to this principal'),
  409: error('Conflict: the command does not fit the job (from, to and the allowed targets)'),
  413: error('the body is over the limit'),
  422: error('ValidationError: every failing path of the input'),
  500: error('unexpected failure, without internals (FileIntegrity for missing or altered file content)'),
};
const answers = (ok: JsonSchema, code = 200) => ({
  [code]: { description: code === 201 ? 'created' : 'done', ...ok },
  ...errorAnswers,
});

const idParams = object({ id: { type: 'string', description: 'the job id' } });
const accessParams = object({ id: string, accessId: string });
const storedEventSchema = object({
  event_id: string,
  stream_id: string,
  version: { type: 'integer' },
  position: string,
  type: string,
  schema_version: { type: 'integer' },
  data: { type: 'object' },
  metadata: {
    type: 'object',
    description: 'recorded_at, actor, correlation_id, causation_id, prev_hash, hash and more, snake_case',
  },
});
const listQuery: JsonSchema = (() => {
  const schema = input(inputCodecs.listJobs) as { properties: Record<string, JsonSchema> };
  const { status, ...rest } = schema.properties;
  return { ...schema, properties: { status_name: status!, ...rest } };
})();
const fileRevisionSchema = object({
  revision: { type: 'integer', minimum: 1 },
  file: wire(JobFileCodec),
  created: { type: 'string', format: 'date-time' },
  created_by_id: string,
  stored: { type: 'boolean', description: 'false for a file recorded by name only' },
});

// createJob takes the parameters file's content apart from the rest (see NewJobInput): as text over JSON.
const createJobBody: JsonSchema = (() => {
  const schema = input(inputCodecs.createJob) as { properties: Record<string, JsonSchema> };
  const file = schema.properties.file as { properties: Record<string, JsonSchema> };
  return {
    ...schema,
    properties: {
      ...schema.properties,
      file: {
        ...file,
        properties: {
          ...file.properties,
          content: {
            type: 'string',
            description:
              'the parameters file as text (stored as UTF-8, within the body limit); the event records its size and sha256',
          },
        },
      },
    },
  };
})();

const job = (summary: string, body?: JsonSchema, description?: string): RouteSchema => ({
  summary,
  tags: ['jobs'],
  ...(description !== undefined && { description }),
  params: idParams,
  ...(body !== undefined && { body }),
  response: answers(wire(JobCodec)),
});

/**
 * The schema of every API route, keyed `METHOD /path` as fastify names it. They document the routes in
 * `/openapi.json`; validation stays with the library's codecs, so answers keep their paths and messages.
 */
export const routeSchemas: Readonly<Record<string, RouteSchema>> = {
  'POST /jobs': {
    summary: 'create a job (Pending, or Created with draft: true)',
    tags: ['jobs'],
    body: createJobBody,
    response: answers(wire(JobCodec), 201),
  },
  'GET /jobs': {
    summary: 'list jobs visible to the caller (PageJob)',
    tags: ['jobs'],
    querystring: listQuery,
    response: answers(wire(PageJobCodec)),
  },
  'GET /jobs/:id': job('get a job'),
  'POST /jobs/:id/submit': job('submit a draft job (Created -> Pending)'),
  'PUT /jobs/:id/status': job(
    'change the status (agents: Validating, Running, Uploading, Completed, Failed)',
    input(inputCodecs.updateStatus),
  ),
  'POST /jobs/:id/cancel': job('cancel the job', input(inputCodecs.message)),
  'PUT /jobs/:id/agent': job('assign the job to an agent', input(inputCodecs.assignAgent)),
  'POST /jobs/:id/archive': job('archive the job', input(inputCodecs.reason)),
  'POST /jobs/:id/restore': job('restore an archived job', input(inputCodecs.reason)),
  'PATCH /jobs/:id/properties': job(
    "update the current file revision's properties",
    input(inputCodecs.properties),
  ),
  'POST /jobs/:id/comments': {
    summary: 'add a comment',
    tags: ['jobs'],
    params: idParams,
    body: input(inputCodecs.comment),
    response: answers(wire(CommentCodec), 201),
  },
  'GET /jobs/:id/access': {
    summary: 'list access relationships',
    tags: ['access'],
    params: idParams,
    response: answers(list(AccessRelationshipCodec)),
  },
  'POST /jobs/:id/access': {
    summary: 'grant access to a user, an agent, or an email address',
    tags: ['access'],
    params: idParams,
    body: { anyOf: [input(inputCodecs.createAccess), input(inputCodecs.createAccessByEmail)] },
    response: answers(wire(AccessRelationshipCodec), 201),
  },
  'PUT /jobs/:id/access/:accessId': {
    summary: 'change the relation of an access relationship',
    tags: ['access'],
    params: accessParams,
    body: input(inputCodecs.updateAccess),
    response: answers(wire(AccessRelationshipCodec)),
  },
  'DELETE /jobs/:id/access/:accessId': {
    summary: 'remove an access relationship',
    tags: ['access'],
    params: accessParams,
    response: answers(wire(AccessRelationshipCodec)),
  },
  'GET /jobs/:id/status-history': {
    summary: 'the status history, oldest first',
    tags: ['history'],
    params: idParams,
    response: answers(list(JobStatusCodec)),
  },
  'GET /jobs/:id/archive-history': {
    summary: 'the archive history, oldest first',
    tags: ['history'],
    params: idParams,
    response: answers(list(ResourceArchiveStatusCodec)),
  },
  'GET /jobs/:id/history': {
    summary: "the audit trail: the job's stored events, up to as_of when given",
    tags: ['history'],
    params: idParams,
    querystring: object({ as_of: { type: 'string', format: 'date-time' } }, []),
    response: answers({ type: 'array', items: { $ref: '#/components/schemas/StoredEvent' } }),
  },
  'GET /jobs/:id/verify': {
    summary: "recompute the hash of each of the job's events and check the chain",
    tags: ['history'],
    params: idParams,
    response: answers(
      object({
        ok: { type: 'boolean' },
        events: { type: 'integer' },
        problems: {
          type: 'array',
          items: object({
            version: { type: 'integer' },
            kind: { type: 'string', enum: ['hash-mismatch', 'version-gap'] },
            detail: string,
          }),
        },
      }),
    ),
  },
  'POST /agent/job': {
    summary: 'claim the oldest eligible Pending job (a Job), or a NoJobResponse',
    tags: ['agents'],
    description:
      'With wait_s, holds the request until a job is claimable for this agent (woken by the ledger, not by polling) or wait_s runs out (then a NoJobResponse); a server shutdown ends it with a NoJobResponse.',
    querystring: object({ wait_s: { type: 'number', minimum: 0, maximum: 60, default: 0 } }, []),
    body: input(inputCodecs.getJobForAgent),
    response: answers(wire(ResponseGetJobForAgentCodec)),
  },
  'POST /jobs/:id/heartbeat': {
    summary: "extend the agent's lease on the job",
    tags: ['agents'],
    params: idParams,
    response: answers(object({ lease_expires_at: { type: 'string', format: 'date-time' } })),
  },
  'GET /jobs/:id/poll': {
    summary: 'wait until the job is terminal (long poll); 408 when timeout_s runs out',
    tags: ['waiting'],
    params: idParams,
    querystring: object({ timeout_s: { type: 'number', minimum: 0, maximum: 3600, default: 30 } }, []),
    response: {
      ...answers(object({ status: statusName })),
      408: error('Timeout: the job is not terminal yet'),
    },
  },
  'GET /jobs/:id/events': {
    summary: "the job's events as server-sent events (text/event-stream), resumable with Last-Event-ID",
    tags: ['waiting'],
    description:
      'Each message has id: the event version, event: its type, data: the stored event as in /history. ' +
      'Browsers may pass the token as ?access_token= since EventSource cannot send headers. A client that ' +
      'stops reading is disconnected once 1 MiB waits for it; it resumes with Last-Event-ID.',
    params: idParams,
    produces: ['text/event-stream'],
    response: answers({ type: 'string', description: 'text/event-stream' }),
  },
  'GET /jobs/:id/file': {
    summary: 'download the file (current revision, or ?revision=), streamed and checked against its sha256',
    tags: ['files'],
    description: 'Headers: content-type (the mime), content-length, x-file-sha256, x-file-revision.',
    params: idParams,
    querystring: object({ revision: { type: 'integer', minimum: 1 } }, []),
    produces: ['application/octet-stream'],
    response: answers({ type: 'string', format: 'binary' }),
  },
  'PUT /jobs/:id/file': {
    summary: 'upload the result (agent holding the job, in Uploading): the body is the content, streamed',
    tags: ['files'],
    params: idParams,
    querystring: object({ name: { type: 'string', minLength: 1 }, mime: string }, ['name']),
    consumes: ['application/octet-stream', '*/*'],
    body: { type: 'string', format: 'binary' },
    response: answers(wire(JobCodec)),
  },
  'GET /jobs/:id/file/revisions': {
    summary: "every revision of the job's file, oldest first",
    tags: ['files'],
    params: idParams,
    response: answers({ type: 'array', items: { $ref: '#/components/schemas/StoredFileRevision' } }),
  },
  'GET /me': {
    summary: 'the principal the bearer token stands for (the remote client learns it here)',
    tags: ['agents'],
    response: answers(
      object(
        {
          kind: { type: 'string', enum: ['user', 'agent'] },
          id: string,
          tenant_id: string,
          email: string,
          roles: { type: 'array', items: string },
          pool_ids: { type: 'array', items: string },
        },
        ['kind', 'id', 'tenant_id'],
      ),
    ),
  },
  'GET /jobs/:id/as-of': {
    summary: 'the job as it was at ?at= (time travel); 404 if it did not exist yet',
    tags: ['history'],
    params: idParams,
    querystring: object({ at: { type: 'string', format: 'date-time' } }),
    response: answers(wire(JobCodec)),
  },
  'POST /jobs/with-file': {
    summary:
      'create a job with its file content as the body (streamed); the input as URI-encoded JSON in x-job-input',
    tags: ['jobs'],
    description: 'Header x-job-input: encodeURIComponent(JSON of the POST /jobs body, without file content).',
    consumes: ['application/octet-stream', '*/*'],
    body: { type: 'string', format: 'binary' },
    response: answers(wire(JobCodec), 201),
  },
  'GET /overview': {
    summary: 'jobs per status and the job flow of the last 15 minutes (the audit page’s list pictures)',
    tags: ['jobs'],
    querystring: object({ archive_status: { type: 'string', enum: ['active', 'archived', 'all'] } }, []),
    response: answers(
      object(
        {
          counts: {
            ...object(Object.fromEntries(jobStatusNames.map((s) => [s, { type: 'integer' }]))),
            description: 'the jobs the caller may see, per status, as listJobs totals them',
          },
          total: { type: 'integer' },
          throughput: {
            ...object(
              {
                bucket_seconds: { type: 'integer' },
                until: { type: 'string', format: 'date-time' },
                created: { type: 'array', items: { type: 'integer' } },
                completed: { type: 'array', items: { type: 'integer' } },
                failed: { type: 'array', items: { type: 'integer' } },
              },
              ['bucket_seconds', 'until', 'created', 'completed', 'failed'],
            ),
            description:
              'jobs created, completed and failed per minute, oldest first, the last minute ending at until: ' +
              'the jobs the caller created, or its tenant’s for an administrator',
          },
        },
        ['counts', 'total', 'throughput'],
      ),
    ),
  },
  'GET /overview/events': {
    summary: 'GET /overview as server-sent events (text/event-stream): at once, then when it changed',
    tags: ['waiting'],
    description:
      'Each message has event: overview and data: the answer of GET /overview; a new one is sent after a commit ' +
      'when what the caller sees changed, at most once a second. Browsers may pass the token as ?access_token= ' +
      'since EventSource cannot send headers. A client that stops reading is disconnected.',
    querystring: object({ archive_status: { type: 'string', enum: ['active', 'archived', 'all'] } }, []),
    produces: ['text/event-stream'],
    response: answers({ type: 'string', description: 'text/event-stream' }),
  },
};

/** The named schemas the routes refer to (`#/components/schemas/<name>` in `/openapi.json`). */
export const componentSchemas: Readonly<Record<string, JsonSchema>> = {
  ...Object.fromEntries([...named].map(([codec, name]) => [name, jsonSchemaOf(codec, { refOf })])),
  StoredEvent: storedEventSchema,
  // `FileRevision` is the SDK's (a revision inside a File); this is an entry of GET /jobs/{id}/file/revisions.
  StoredFileRevision: fileRevisionSchema,
  Error: errorSchema,
};
