import { createHash } from 'node:crypto';
import { canonicalJson } from './hashChain.js';
import { extensionOf } from './fileRevisions.js';
import type {
  Comment,
  File,
  FileRevisionArchiveStatus,
  JobFile,
  JobFileRevision,
  ResourceArchiveStatus,
  Token,
} from './model.js';

/**
 * Builds the SDK's File and Comment shapes from what the events record. Their ids (file, revisions, tokens,
 * archive entries) are derived from the ids the events carry, so a replay, a rebuild and every store give the
 * same ids, and no event had to change shape (no upcaster): old logs replay into the new shape.
 */

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/**
 * A UUID-shaped id derived from `parts` (sha256, version nibble 8: "custom"). Stable across replays.
 *
 * @example
 * derivedId('job-1', 'file'); // '3b0c…-…-8…-…' — the same on every call
 */
export const derivedId = (...parts: readonly (string | number)[]): string => {
  const h = sha256(parts.join('\u0000'));
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

/** Who made a change, and when. */
export interface Made {
  readonly at: Date;
  readonly by: string;
}

const active = (id: string, made: Made): ResourceArchiveStatus => ({
  id,
  created: made.at,
  name: 'Active',
  reason: null,
  createdById: made.by,
});

/** The properties a properties token hashes: everything but the content's own size and sha256. */
const propertiesOf = (f: JobFile) => ({
  name: f.name,
  extension: f.extension,
  mime: f.mime,
  description: f.description,
  displayName: f.displayName,
  externalIdentifier: f.externalIdentifier,
  versionName: f.versionName,
});

const propertiesToken = (revisionId: string, f: JobFile, made: Made): Token => {
  const sha = sha256(canonicalJson(propertiesOf(f)));
  return {
    id: derivedId(revisionId, 'properties', sha),
    created: made.at,
    sha,
    salt: '',
    createdById: made.by,
  };
};

const stemOf = (name: string): string => {
  const extension = extensionOf(name);
  return extension === undefined ? name : name.slice(0, name.length - extension.length - 1);
};

/** The SDK revision `revision` of the file `fileId`, holding `f`; its ids derive from `fileId`. */
export const fileRevisionOf = (fileId: string, revision: number, f: JobFile, made: Made): JobFileRevision => {
  const id = derivedId(fileId, 'revision', revision);
  const extension = extensionOf(f.name);
  const archive: FileRevisionArchiveStatus = {
    ...active(derivedId(id, 'archive', 0), made),
    fileRevisionId: id,
  };
  return {
    id,
    created: made.at,
    fileId,
    contentToken: {
      id: derivedId(id, 'content'),
      created: made.at,
      sha: f.sha256 ?? '',
      salt: '',
      createdById: made.by,
    },
    propertiesToken: propertiesToken(id, f, made),
    archiveStatusHistory: [archive],
    name: f.name,
    stem: stemOf(f.name),
    suffix: extension === undefined ? null : `.${extension}`,
    extension: f.extension,
    description: f.description,
    size: f.size,
    mime: f.mime,
    versionName: f.versionName,
    externalIdentifier: f.externalIdentifier,
    displayName: f.displayName,
    createdById: made.by,
    updated: null,
    revision,
  };
};

/**
 * A new file of the resource `resourceId` (a job), with `f` as its revision 1. Its ids derive from `base`: the
 * job's id for a job's file, the comment's id for a comment's.
 */
export const newFile = (base: string, resourceId: string, f: JobFile, made: Made): File => {
  const id = derivedId(base, 'file');
  return {
    ...f,
    id,
    created: made.at,
    revisions: [fileRevisionOf(id, 1, f, made)],
    archiveStatusHistory: [active(derivedId(id, 'archive', 0), made)],
    resourceId,
    resourceType: 'job',
    createdById: made.by,
    updated: null,
  };
};

/** `file` with `f` added as its revision `revision`, now the current one. */
export const withRevision = (file: File, revision: number, f: JobFile, made: Made): File => ({
  ...file,
  ...f,
  revisions: [...file.revisions, fileRevisionOf(file.id, revision, f, made)],
  updated: made.at,
});

/** `file` with the current revision's properties changed (the SDK's `update_*` calls): a new properties token. */
export const withProperties = (file: File, properties: Partial<JobFile>, made: Made): File => {
  const flat: JobFile = { ...file, ...properties };
  const last = file.revisions[file.revisions.length - 1];
  const revisions =
    last === undefined
      ? file.revisions
      : [
          ...file.revisions.slice(0, -1),
          {
            ...last,
            description: flat.description,
            displayName: flat.displayName,
            externalIdentifier: flat.externalIdentifier,
            versionName: flat.versionName,
            propertiesToken: propertiesToken(last.id, flat, made),
            updated: made.at,
          },
        ];
  return { ...file, ...properties, revisions, updated: made.at };
};

const encoder = new TextEncoder();

/** A comment in the SDK's shape: its text is the content of its file's one revision, `comment.txt`. */
export const commentOf = (c: { id: string; jobId: string; content: string }, made: Made): Comment => {
  const text: JobFile = {
    name: 'comment.txt',
    extension: 'txt',
    mime: 'text/plain',
    size: encoder.encode(c.content).byteLength,
    sha256: sha256(c.content),
    description: null,
    displayName: null,
    externalIdentifier: null,
    versionName: null,
  };
  return {
    id: c.id,
    created: made.at,
    file: newFile(c.id, c.jobId, text, made),
    comments: [],
    archiveStatusHistory: [active(derivedId(c.id, 'archive', 0), made)],
    createdById: made.by,
    resourceId: c.jobId,
    resourceType: 'job',
    jobId: c.jobId,
    content: c.content,
  };
};

/**
 * A job as a read model stored it before files and comments had the SDK's shape (a flat `file`, comments of
 * `{ id, created, jobId, content, createdById }`), brought to the current shape. Comments come out exactly as a
 * rebuild makes them; the file only knows its current revision (numbered `revisions`) and dates it at the job's
 * creation, so run `rebuildProjections` to get every revision back.
 */
export const upgradeStoredJob = <J extends { id: string; created: Date; createdById: string }>(
  job: J & {
    file: JobFile;
    comments: readonly { id: string; created: Date; content: string; createdById: string }[];
  },
  revisions: number,
): J & { file: File; comments: readonly Comment[] } => {
  const made = { at: job.created, by: job.createdById };
  const first = newFile(job.id, job.id, job.file, made);
  const file: File =
    revisions <= 1 ? first : { ...first, revisions: [fileRevisionOf(first.id, revisions, job.file, made)] };
  const comments = job.comments.map((c) =>
    commentOf({ id: c.id, jobId: job.id, content: c.content }, { at: c.created, by: c.createdById }),
  );
  return { ...job, file, comments };
};

/** True when `file` has the SDK's shape (false for one a read model stored before). */
export const isSdkFile = (file: JobFile | File): file is File => 'revisions' in file;
