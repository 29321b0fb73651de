/**
 * The seed SDK's (istari_digital_client v2) pydantic models, as field lists: what a model requires, of which
 * type, and what it may leave out. Written from the field lists of issue 16, independently of our codecs, so
 * that a codec that drifts from the SDK fails here.
 */
type Kind =
  | 'str'
  | 'datetime'
  | 'int'
  | { readonly literal: readonly string[] }
  | { readonly list: Kind }
  | { readonly model: ModelName }
  | 'any';

/**
 * `required`: the key must be present (pydantic: no default). `nullable`: null is accepted (Optional[...]).
 * A field that is neither may be missing or null (Optional[...] = None), never of another type.
 */
interface Field {
  readonly kind: Kind;
  readonly required?: boolean;
  readonly nullable?: boolean;
}

const req = (kind: Kind): Field => ({ kind, required: true });
const reqNullable = (kind: Kind): Field => ({ kind, required: true, nullable: true });
const opt = (kind: Kind): Field => ({ kind, nullable: true });
const list = (kind: Kind): Kind => ({ list: kind });
const model = (name: ModelName): Kind => ({ model: name });
const archiveName = { literal: ['Active', 'Archived'] } as const;
const statusName = {
  literal: [
    'Created',
    'Pending',
    'Claimed',
    'Validating',
    'Running',
    'Uploading',
    'Completed',
    'Failed',
    'Canceled',
    'Unknown',
  ],
} as const;

export type ModelName =
  | 'Token'
  | 'ResourceArchiveStatus'
  | 'FileRevisionArchiveStatus'
  | 'FileRevision'
  | 'File'
  | 'Comment'
  | 'JobStatus'
  | 'FunctionVersion'
  | 'Job'
  | 'PageJob';

export const sdkModels = {
  Token: {
    id: req('str'),
    created: req('datetime'),
    sha: req('str'),
    salt: req('str'),
    created_by_id: opt('str'),
  },
  ResourceArchiveStatus: {
    id: req('str'),
    created: req('datetime'),
    name: req(archiveName),
    reason: opt('str'),
    created_by_id: opt('str'),
  },
  FileRevisionArchiveStatus: {
    id: req('str'),
    created: req('datetime'),
    name: req(archiveName),
    reason: opt('str'),
    created_by_id: opt('str'),
    file_revision_id: req('str'),
  },
  FileRevision: {
    id: req('str'),
    created: req('datetime'),
    file_id: reqNullable('str'),
    content_token: req(model('Token')),
    properties_token: req(model('Token')),
    archive_status_history: req(list(model('FileRevisionArchiveStatus'))),
    name: opt('str'),
    stem: opt('str'),
    suffix: opt('str'),
    extension: opt('str'),
    description: opt('str'),
    size: opt('int'),
    mime: opt('str'),
    version_name: opt('str'),
    external_identifier: opt('str'),
    display_name: opt('str'),
    sources: opt(list('any')),
    products: opt(list('any')),
    created_by_id: opt('str'),
    updated: opt('datetime'),
  },
  File: {
    id: req('str'),
    created: req('datetime'),
    revisions: req(list(model('FileRevision'))),
    archive_status_history: req(list(model('ResourceArchiveStatus'))),
    resource_id: opt('str'),
    resource_type: opt({ literal: ['job'] }),
    created_by_id: opt('str'),
    updated: opt('datetime'),
  },
  Comment: {
    id: req('str'),
    created: req('datetime'),
    file: req(model('File')),
    comments: req(list(model('Comment'))),
    archive_status_history: req(list(model('ResourceArchiveStatus'))),
    created_by_id: req('str'),
    resource_id: reqNullable('str'),
    resource_type: req({ literal: ['job'] }),
  },
  JobStatus: {
    id: req('str'),
    created: req('datetime'),
    job_id: req('str'),
    name: req(statusName),
    created_by_id: req('str'),
    message: opt('str'),
    agent_id: opt('str'),
  },
  FunctionVersion: { id: req('str') },
  Job: {
    id: req('str'),
    created: req('datetime'),
    file: req(model('File')),
    comments: req(list(model('Comment'))),
    archive_status_history: req(list(model('ResourceArchiveStatus'))),
    created_by_id: req('str'),
    function: req(model('FunctionVersion')),
    status_history: req(list(model('JobStatus'))),
    assigned_agent_id: opt('str'),
    assigned_agent_pool_id: opt('str'),
    agent_id: opt('str'),
    tenant_id: opt('str'),
    model_id: opt('str'),
  },
  PageJob: {
    items: req(list(model('Job'))),
    total: req('int'),
    page: req('int'),
    size: req('int'),
    pages: req('int'),
  },
} satisfies Record<ModelName, Record<string, Field>>;

// What pydantic accepts for a datetime given as JSON text: ISO 8601 with a date and a time.
const isoDateTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

const describe = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'an array' : `${typeof value} ${JSON.stringify(value)}`;

const checkKind = (kind: Kind, value: unknown, path: string, problems: string[]): void => {
  if (kind === 'any') return;
  if (kind === 'str') {
    if (typeof value !== 'string') problems.push(`${path}: expected str, got ${describe(value)}`);
  } else if (kind === 'int') {
    if (!Number.isInteger(value)) problems.push(`${path}: expected int, got ${describe(value)}`);
  } else if (kind === 'datetime') {
    if (typeof value !== 'string' || !isoDateTime.test(value) || Number.isNaN(Date.parse(value)))
      problems.push(`${path}: expected an ISO-8601 datetime, got ${describe(value)}`);
  } else if ('literal' in kind) {
    if (!kind.literal.includes(value as string))
      problems.push(`${path}: expected one of ${kind.literal.join('|')}, got ${describe(value)}`);
  } else if ('list' in kind) {
    if (!Array.isArray(value)) problems.push(`${path}: expected a list, got ${describe(value)}`);
    else value.forEach((item, i) => checkKind(kind.list, item, `${path}.${i}`, problems));
  } else {
    problems.push(...sdkProblems(kind.model, value, path));
  }
};

/**
 * What the SDK's model `name` would reject in `value` (a wire object, as parsed from JSON): missing required
 * keys, nulls where none is allowed, values of another type. Extra keys are fine (the SDK ignores them).
 *
 * @example
 * sdkProblems('Job', await (await fetch(url)).json()); // [] when the SDK accepts it
 */
export const sdkProblems = (name: ModelName, value: unknown, path: string = name): string[] => {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return [`${path}: expected a ${name} object, got ${describe(value)}`];
  const problems: string[] = [];
  const record = value as Record<string, unknown>;
  for (const [key, field] of Object.entries(sdkModels[name]) as [string, Field][]) {
    const at = `${path}.${key}`;
    if (!(key in record)) {
      if (field.required) problems.push(`${at}: required, missing`);
      continue;
    }
    const v = record[key];
    if (v === null) {
      if (field.required && !field.nullable) problems.push(`${at}: required, got null`);
      continue;
    }
    checkKind(field.kind, v, at, problems);
  }
  return problems;
};
