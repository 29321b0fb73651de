import { StatusName, Relation, SubjectType } from './vocabulary.js';
import * as t from 'io-ts';
import {
  DateFromISOString,
  Id,
  LongText,
  Name,
  ShortText,
  boundedString,
  intIn,
  oneOf,
  strictObject,
} from './decode.js';
import { withJsonSchema } from './jsonSchema.js';
import { FunctionVersionData, JobFileData, jobFileOptionalProps } from './events.js';

const Email = withJsonSchema(
  new t.Type<string, string, unknown>(
    'Email',
    (u): u is string => typeof u === 'string' && /^[^\s@]{1,64}@[^\s@]{1,255}$/.test(u),
    (u, c) =>
      typeof u === 'string' && /^[^\s@]{1,64}@[^\s@]{1,255}$/.test(u)
        ? t.success(u.toLowerCase())
        : t.failure(
            u,
            c,
            `expected an email address, got ${typeof u === 'string' ? JSON.stringify(u.slice(0, 40)) : typeof u}`,
          ),
    t.identity,
  ),
  { type: 'string', format: 'email', maxLength: 320 },
);

const functionInput = strictObject(
  'FunctionVersion',
  { id: Id },
  { functionId: Id, name: Name, versionName: ShortText },
);
const fileInput = strictObject('File', { name: Name }, jobFileOptionalProps);

/** Inputs of the public calls, decoded at the boundary (DESIGN section 4). */
export const inputCodecs = {
  createJob: strictObject(
    'CreateJobInput',
    { function: functionInput, file: fileInput },
    {
      modelId: Id,
      assignedAgentId: Id,
      assignedAgentPoolId: Id,
      draft: t.boolean,
      /** Only the system principal may create in another tenant; users create in their own. */
      tenantId: Id,
      /** A caller-chosen job id (idempotent creation); a fresh one otherwise. */
      id: Id,
    },
  ),
  jobId: Id,
  listJobs: strictObject(
    'ListJobsInput',
    {},
    {
      page: intIn('Page', 1, 1_000_000),
      size: intIn('Size', 1, 100),
      status: StatusName,
      agentId: Id,
      assignedAgentId: Id,
      assignedAgentPoolId: Id,
      modelId: Id,
      createdById: Id,
      functionId: Id,
      archiveStatus: oneOf('ArchiveStatus', ['active', 'archived', 'all'] as const),
      createdAfter: DateFromISOString,
      createdBefore: DateFromISOString,
      sort: oneOf('Sort', ['created', '-created'] as const),
      cursor: boundedString('Cursor', 1024, 1),
    },
  ),
  updateStatus: strictObject(
    'UpdateStatusInput',
    { status: StatusName },
    { message: ShortText, agentId: Id },
  ),
  message: strictObject('MessageInput', {}, { message: ShortText }),
  assignAgent: strictObject('AssignAgentInput', { agentId: Id }, {}),
  getJobForAgent: strictObject('GetJobForAgentInput', {}, { functionIds: t.array(Id) }),
  pollJob: strictObject(
    'PollJobInput',
    {},
    { timeoutMs: intIn('TimeoutMs', 0, 24 * 3600 * 1000), signal: t.unknown },
  ),
  reason: strictObject('ReasonInput', {}, { reason: ShortText }),
  properties: strictObject(
    'PropertiesInput',
    {},
    { displayName: ShortText, description: LongText, externalIdentifier: ShortText, versionName: ShortText },
  ),
  description: LongText,
  shortText: ShortText,
  comment: strictObject('CommentInput', { content: boundedString('Content', 65_536, 1) }, {}),
  createAccess: strictObject(
    'CreateAccessInput',
    { subjectType: SubjectType, subjectId: boundedString('SubjectId', 320, 1), relation: Relation },
    {},
  ),
  createAccessByEmail: strictObject('CreateAccessByEmailInput', { email: Email, relation: Relation }, {}),
  updateAccess: strictObject('UpdateAccessInput', { relation: Relation }, {}),
  history: strictObject('HistoryInput', {}, { asOf: DateFromISOString }),
  at: DateFromISOString,
  principal: t.union([
    strictObject(
      'UserPrincipal',
      { kind: t.literal('user'), id: Id, tenantId: Id },
      { email: Email, roles: t.array(t.literal('administrator')) },
    ),
    strictObject(
      'AgentPrincipal',
      { kind: t.literal('agent'), id: Id, tenantId: Id },
      { poolIds: t.array(Id) },
    ),
    strictObject('SystemPrincipal', { kind: t.literal('system'), id: Id }, {}),
  ]),
};

export type CreateJobInput = t.TypeOf<typeof inputCodecs.createJob>;
export type ListJobsInput = t.TypeOf<typeof inputCodecs.listJobs>;

export { FunctionVersionData, JobFileData };
