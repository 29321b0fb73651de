import { fc, test } from '@fast-check/vitest';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect } from 'vitest';
import type { Dto } from '../../src/domain/dto.js';
import {
  AccessRelationship,
  Comment,
  File,
  Job,
  JobFileRevision,
  JobStatus,
  JobStatusMessage,
  NewJobAssignedAgent,
  NoJobResponse,
  NoOpResponse,
  PageJob,
  ResourceArchiveStatus,
  ResponseGetJobForAgent,
} from '../../src/domain/dto.js';
import type { ValidationError } from '../../src/domain/errors.js';
import { isNoJobResponse } from '../../src/domain/model.js';
import {
  accessRelationshipArb,
  commentArb,
  fileArb,
  jobArb,
  jobFileRevisionArb,
  jobStatusArb,
  jobStatusMessageArb,
  newJobAssignedAgentArb,
  noJobResponseArb,
  noOpResponseArb,
  pageJobArb,
  resourceArchiveStatusArb,
  responseGetJobForAgentArb,
} from './dtoArbitraries.js';

/** The ValidationError of a decode that must fail. */
const failure = <A>(result: E.Either<ValidationError, A>): ValidationError => {
  if (E.isRight(result))
    throw new Error(`expected a ValidationError, decoded ${JSON.stringify(result.right)}`);
  expect(result.left._tag).toBe('ValidationError');
  return result.left;
};
const pathsOf = <A>(result: E.Either<ValidationError, A>): string[] =>
  failure(result).issues.map((i) => i.path);

/** A mutable copy of the wire object, to break on purpose. */
const wireOf = (job: Job): Record<string, unknown> => JSON.parse(Job.toJson(job)) as Record<string, unknown>;

const roundTrips = <A, O>(dto: Dto<A, O>, arb: fc.Arbitrary<A>) => {
  describe(dto.name, () => {
    test.prop([arb])('round-trips through toJson/fromJson', (value) => {
      expect(dto.fromJson(dto.toJson(value))).toStrictEqual(E.right(value));
    });
    test.prop([arb])('round-trips through toDict/fromDict, and toDict is plain JSON data', (value) => {
      const dict = dto.toDict(value);
      expect(dict).toStrictEqual(JSON.parse(dto.toJson(value)));
      expect(dto.fromDict(dict)).toStrictEqual(E.right(value));
    });
    test.prop([arb])('toStr is the same JSON, indented by 2 spaces', (value) => {
      const text = dto.toStr(value);
      expect(text).toBe(JSON.stringify(JSON.parse(dto.toJson(value)), null, 2));
      expect(dto.fromJson(text)).toStrictEqual(E.right(value));
    });
  });
};

roundTrips(Job, jobArb);
roundTrips(JobStatus, jobStatusArb);
roundTrips(ResourceArchiveStatus, resourceArchiveStatusArb);
roundTrips(Comment, commentArb);
roundTrips(File, fileArb);
roundTrips(JobFileRevision, jobFileRevisionArb);
roundTrips(AccessRelationship, accessRelationshipArb);
roundTrips(PageJob, pageJobArb);
roundTrips(NoJobResponse, noJobResponseArb);
roundTrips(JobStatusMessage, jobStatusMessageArb);
roundTrips(NewJobAssignedAgent, newJobAssignedAgentArb);
roundTrips(NoOpResponse, noOpResponseArb);
roundTrips(ResponseGetJobForAgent, responseGetJobForAgentArb);

describe('wire keys', () => {
  test.prop([jobArb])('a Job and its parts are written with exactly the SDK snake_case keys', (job) => {
    const wire = Job.toDict(job);
    expect(Object.keys(wire).sort()).toEqual(
      [
        'id',
        'created',
        'file',
        'comments',
        'archive_status_history',
        'created_by_id',
        'function',
        'assigned_agent_id',
        'assigned_agent_pool_id',
        'agent_id',
        'tenant_id',
        'model_id',
        'status_history',
      ].sort(),
    );
    expect(Object.keys(wire.file).sort()).toEqual(
      [
        'id',
        'created',
        'revisions',
        'archive_status_history',
        'resource_id',
        'resource_type',
        'created_by_id',
        'updated',
        'name',
        'extension',
        'mime',
        'size',
        'sha256',
        'description',
        'display_name',
        'external_identifier',
        'version_name',
      ].sort(),
    );
    expect(Object.keys(wire.function).sort()).toEqual(['function_id', 'id', 'name', 'version_name']);
    for (const status of wire.status_history) {
      expect(Object.keys(status).sort()).toEqual(
        ['agent_id', 'created', 'created_by_id', 'id', 'job_id', 'message', 'name'].sort(),
      );
    }
    for (const archive of wire.archive_status_history) {
      expect(Object.keys(archive).sort()).toEqual(['created', 'created_by_id', 'id', 'name', 'reason']);
    }
    expect(wire.created).toBe(job.created.toISOString());
  });

  test.prop([accessRelationshipArb])('an AccessRelationship is written in snake_case', (access) => {
    expect(Object.keys(AccessRelationship.toDict(access)).sort()).toEqual(
      ['created', 'created_by_id', 'id', 'job_id', 'relation', 'subject_id', 'subject_type'].sort(),
    );
  });

  test.prop([pageJobArb])('a PageJob carries next_cursor, null on the last page', (page) => {
    expect(Object.keys(PageJob.toDict(page)).sort()).toEqual(
      ['items', 'next_cursor', 'page', 'pages', 'size', 'total'].sort(),
    );
    expect(PageJob.toDict(page).next_cursor).toBe(page.nextCursor);
  });

  test.prop([newJobAssignedAgentArb])('NewJobAssignedAgent is { agent_id }', (assigned) => {
    expect(NewJobAssignedAgent.toDict(assigned)).toStrictEqual({ agent_id: assigned.agentId });
  });
});

describe('decoding errors name the wire path', () => {
  test.prop([jobArb])('an unknown status name: status_history.0.name', (job) => {
    const wire = wireOf(job);
    (wire.status_history as Record<string, unknown>[])[0]!.name = 'Nope';
    const error = failure(Job.fromDict(wire));
    expect(error.issues).toEqual([
      {
        path: 'status_history.0.name',
        message:
          'expected one of Created, Pending, Claimed, Validating, Running, Uploading, Completed, Failed, Canceled, Unknown, got "Nope"',
      },
    ]);
    expect(error.message).toContain('status_history.0.name');
  });

  test.prop([jobArb])('a file without a name: file.name', (job) => {
    const wire = wireOf(job);
    delete (wire.file as Record<string, unknown>).name;
    expect(pathsOf(Job.fromDict(wire))).toEqual(['file.name']);
  });

  test.prop([jobArb])('a date that is not ISO-8601: created', (job) => {
    const wire = { ...wireOf(job), created: 'yesterday' };
    expect(failure(Job.fromDict(wire)).issues).toEqual([
      { path: 'created', message: 'expected an ISO-8601 date, got "yesterday"' },
    ]);
  });

  test.prop([jobArb])('every failing path is reported at once, through nested arrays', (job) => {
    const wire = wireOf(job);
    wire.created = 'yesterday';
    wire.tenant_id = 7;
    delete (wire.file as Record<string, unknown>).name;
    (wire.status_history as Record<string, unknown>[])[0]!.name = 'Nope';
    const page = { items: [wire], total: 1, page: 1, size: 10, pages: 1 };
    expect(pathsOf(PageJob.fromDict(page)).sort()).toEqual(
      ['items.0.created', 'items.0.file.name', 'items.0.status_history.0.name', 'items.0.tenant_id'].sort(),
    );
  });

  test('something that is not an object at all: (input), naming the DTO', () => {
    expect(failure(Job.fromDict(null)).issues).toEqual([
      { path: '(input)', message: 'expected Job, got null' },
    ]);
    expect(pathsOf(Job.fromDict([]))).toEqual(['(input)']);
    expect(pathsOf(NoOpResponse.fromDict('ok'))).toEqual(['(input)']);
  });

  test('a list that is not an array: its key', () => {
    expect(pathsOf(PageJob.fromDict({ items: {}, total: 0, page: 1, size: 10, pages: 0 }))).toEqual([
      'items',
    ]);
  });

  test.prop([fc.string().filter((s) => !isJson(s))])(
    'text that is not JSON is a ValidationError at (input)',
    (text) => {
      const error = failure(Job.fromJson(text));
      expect(error.issues).toHaveLength(1);
      expect(error.issues[0]!.path).toBe('(input)');
      expect(error.issues[0]!.message).toMatch(/^not valid JSON \(.+\)/);
    },
  );

  test("fromJson('not json') carries the parser's message", () => {
    let parserMessage = '';
    try {
      JSON.parse('not json');
    } catch (e) {
      parserMessage = (e as Error).message;
    }
    const error = failure(Job.fromJson('not json'));
    expect(error.issues).toEqual([{ path: '(input)', message: expect.stringContaining(parserMessage) }]);
  });
});

describe('wire tolerance', () => {
  test.prop([jobArb])('null-able members may be missing, and read as null', (job) => {
    const wire = wireOf(job);
    for (const key of ['assigned_agent_id', 'assigned_agent_pool_id', 'agent_id', 'model_id'])
      delete wire[key];
    const file = wire.file as Record<string, unknown>;
    const kept = ['name', 'id', 'created', 'revisions', 'archive_status_history'];
    for (const key of Object.keys(file)) if (!kept.includes(key)) delete file[key];
    const decoded = Job.fromDict(wire);
    expect(decoded).toStrictEqual(
      E.right({
        ...job,
        assignedAgentId: null,
        assignedAgentPoolId: null,
        agentId: null,
        modelId: null,
        file: {
          ...job.file,
          resourceId: null,
          resourceType: null,
          createdById: null,
          updated: null,
          extension: null,
          mime: null,
          size: null,
          sha256: null,
          description: null,
          displayName: null,
          externalIdentifier: null,
          versionName: null,
        },
      }),
    );
  });

  test.prop([pageJobArb])('a page without next_cursor is the last page', (page) => {
    const { next_cursor: _, ...wire } = PageJob.toDict(page);
    expect(PageJob.fromDict(wire)).toStrictEqual(E.right({ ...page, nextCursor: null }));
  });

  test.prop([jobArb])('unknown keys, at any depth, are ignored and dropped', (job) => {
    const wire = wireOf(job);
    wire.added_in_2027 = true;
    (wire.file as Record<string, unknown>).checksum_kind = 'blake3';
    (wire.status_history as Record<string, unknown>[])[0]!.extra = [1, 2];
    expect(Job.fromDict(wire)).toStrictEqual(E.right(job));
  });

  test.prop([jobArb])('dates may come as Date objects', (job) => {
    const wire = { ...wireOf(job), created: job.created };
    expect(Job.fromDict(wire)).toStrictEqual(E.right(job));
  });

  test.prop([jobArb])('tolerance stops at required members: a missing id is reported', (job) => {
    const { id: _, ...wire } = wireOf(job);
    expect(pathsOf(Job.fromDict(wire))).toEqual(['id']);
  });
});

describe('ResponseGetJobForAgent', () => {
  test.prop([jobArb])('an object with an id decodes as a Job', (job) => {
    const decoded = ResponseGetJobForAgent.fromJson(Job.toJson(job));
    expect(decoded).toStrictEqual(E.right(job));
    expect(E.isRight(decoded) && isNoJobResponse(decoded.right)).toBe(false);
  });

  test('an object without an id decodes as a NoJobResponse', () => {
    const decoded = ResponseGetJobForAgent.fromJson('{"message":"no job is eligible"}');
    expect(decoded).toStrictEqual(E.right({ message: 'no job is eligible' }));
    expect(E.isRight(decoded) && isNoJobResponse(decoded.right)).toBe(true);
  });

  test.prop([jobArb])('a broken job answers with the Job errors, not NoJobResponse errors', (job) => {
    const wire = wireOf(job);
    (wire.status_history as Record<string, unknown>[])[0]!.name = 'Nope';
    expect(pathsOf(ResponseGetJobForAgent.fromDict(wire))).toEqual(['status_history.0.name']);
  });

  test('neither shape: the NoJobResponse error', () => {
    expect(pathsOf(ResponseGetJobForAgent.fromDict({}))).toEqual(['message']);
  });

  test.prop([noJobResponseArb])('a NoJobResponse is written as { message }', (response) => {
    expect(ResponseGetJobForAgent.toDict(response)).toStrictEqual({ message: response.message });
  });
});

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
