import * as crypto from 'node:crypto';
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

// The one-shot `crypto.hash` (Node 20.12+) skips the Hash object a short text does not need: a fold hashes a few
// properties per job. Same digest either way.
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;
const sha256 =
  oneShot !== undefined
    ? (text: string): string => oneShot('sha256', text, 'hex')
    : (text: string): string => crypto.createHash('sha256').update(text).digest('hex');

/**
 * The id of a part of `parent` (its file, a revision, a token): `parent.part.part`, readable and stable across
 * replays. One longer than an id may be (200 characters) is hashed instead, to a UUID-shaped id (sha256,
 * version nibble 8: "custom") — still the same on every replay.
 *
 * @example
 * derivedId('job-1', 'file'); // 'job-1.file'
 * derivedId('job-1.file', 'revision', 2); // 'job-1.file.revision.2'
 */
export const derivedId = (parent: string, ...parts: readonly (string | number)[]): string =>
  fitId(`${parent}.${parts.join('.')}`);

// derivedId for the fold's fixed shapes, without a rest array and a join per id.
const id2 = (parent: string, a: string): string => fitId(`${parent}.${a}`);
const id3 = (parent: string, a: string, b: number): string => fitId(`${parent}.${a}.${b}`);

const fitId = (id: string): string => {
  if (id.length <= 200) return id;
  const h = sha256(id);
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

/** Who made a change, when, and at which version of the job's stream (it names the change's tokens). */
export interface Made {
  readonly at: Date;
  readonly by: string;
  readonly version: number;
}

const active = (id: string, made: Made): ResourceArchiveStatus => ({
  id,
  created: made.at,
  name: 'Active',
  reason: null,
  createdById: made.by,
});

/**
 * The properties a properties token hashes: everything but the content's own size and sha256. Always built in
 * this key order, so its JSON is canonical without sorting.
 */
const propertiesOf = (f: JobFile) => ({
  name: f.name,
  extension: f.extension,
  mime: f.mime,
  description: f.description,
  displayName: f.displayName,
  externalIdentifier: f.externalIdentifier,
  versionName: f.versionName,
});

// The properties of a comment's file never vary (comment.txt, text/plain, no properties): hash them once.
const commentProperties = {
  name: 'comment.txt',
  extension: 'txt',
  mime: 'text/plain',
  description: null,
  displayName: null,
  externalIdentifier: null,
  versionName: null,
} as const;
const commentPropertiesSha = sha256(JSON.stringify(commentProperties));

const propertiesSha = (f: JobFile): string =>
  f.name === commentProperties.name &&
  f.extension === commentProperties.extension &&
  f.mime === commentProperties.mime &&
  f.description === null &&
  f.displayName === null &&
  f.externalIdentifier === null &&
  f.versionName === null
    ? commentPropertiesSha
    : sha256(JSON.stringify(propertiesOf(f)));

const propertiesToken = (revisionId: string, f: JobFile, made: Made): Token => {
  const sha = propertiesSha(f);
  return {
    id: id3(revisionId, 'properties', made.version),
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
  const id = id3(fileId, 'revision', revision);
  const extension = extensionOf(f.name);
  const archive: FileRevisionArchiveStatus = {
    id: id3(id, 'archive', 0),
    created: made.at,
    name: 'Active',
    reason: null,
    createdById: made.by,
    fileRevisionId: id,
  };
  return {
    id,
    created: made.at,
    fileId,
    contentToken: {
      id: id2(id, 'content'),
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
  const id = id2(base, 'file');
  return fileWith(
    f,
    id,
    made.at,
    [fileRevisionOf(id, 1, f, made)],
    [active(id3(id, 'archive', 0), made)],
    resourceId,
    made.by,
    null,
  );
};

// Every member written out, in one order: replays build many files, and literals of one shape stay fast
// (spreading two objects into one made folding a stream several times slower).
const fileWith = (
  f: JobFile,
  id: string,
  created: Date,
  revisions: readonly JobFileRevision[],
  archiveStatusHistory: readonly ResourceArchiveStatus[],
  resourceId: string | null,
  createdById: string | null,
  updated: Date | null,
): File => ({
  name: f.name,
  extension: f.extension,
  mime: f.mime,
  size: f.size,
  sha256: f.sha256,
  description: f.description,
  displayName: f.displayName,
  externalIdentifier: f.externalIdentifier,
  versionName: f.versionName,
  id,
  created,
  revisions,
  archiveStatusHistory,
  resourceId,
  resourceType: 'job',
  createdById,
  updated,
});

/** `file` with `f` added as its revision `revision`, now the current one. */
export const withRevision = (file: File, revision: number, f: JobFile, made: Made): File =>
  fileWith(
    f,
    file.id,
    file.created,
    [...file.revisions, fileRevisionOf(file.id, revision, f, made)],
    file.archiveStatusHistory,
    file.resourceId,
    file.createdById,
    made.at,
  );

/** `file` with the current revision's properties changed (the SDK's `update_*` calls): a new properties token. */
export const withProperties = (file: File, properties: Partial<JobFile>, made: Made): File => {
  const flat: JobFile = {
    name: file.name,
    extension: file.extension,
    mime: file.mime,
    size: file.size,
    sha256: file.sha256,
    description: properties.description !== undefined ? properties.description : file.description,
    displayName: properties.displayName !== undefined ? properties.displayName : file.displayName,
    externalIdentifier:
      properties.externalIdentifier !== undefined ? properties.externalIdentifier : file.externalIdentifier,
    versionName: properties.versionName !== undefined ? properties.versionName : file.versionName,
  };
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
  return fileWith(
    flat,
    file.id,
    file.created,
    revisions,
    file.archiveStatusHistory,
    file.resourceId,
    file.createdById,
    made.at,
  );
};

/** A comment in the SDK's shape: its text is the content of its file's one revision, `comment.txt`. */
export const commentOf = (c: { id: string; jobId: string; content: string }, made: Made): Comment => {
  const text: JobFile = {
    name: 'comment.txt',
    extension: 'txt',
    mime: 'text/plain',
    size: Buffer.byteLength(c.content, 'utf8'),
    sha256: sha256(c.content),
    description: null,
    displayName: null,
    externalIdentifier: null,
    versionName: null,
  };
  return {
    id: c.id,
    created: made.at,
    // A comment's file never changes: its tokens are named as of its creation.
    file: newFile(c.id, c.jobId, text, { ...made, version: 0 }),
    comments: [],
    archiveStatusHistory: [active(id3(c.id, 'archive', 0), made)],
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
  const made = { at: job.created, by: job.createdById, version: 0 };
  const first = newFile(job.id, job.id, job.file, made);
  const file: File =
    revisions <= 1 ? first : { ...first, revisions: [fileRevisionOf(first.id, revisions, job.file, made)] };
  const comments = job.comments.map((c) =>
    commentOf(
      { id: c.id, jobId: job.id, content: c.content },
      { at: c.created, by: c.createdById, version: 0 },
    ),
  );
  return { ...job, file, comments };
};

/** True when `file` has the SDK's shape (false for one a read model stored before). */
export const isSdkFile = (file: JobFile | File): file is File => 'revisions' in file;
