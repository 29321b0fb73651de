import type { JobEvent, JobEventData } from './codecs/events.js';
import type { JobFile } from './model.js';

/** One revision of a job's file: revision 1 is the parameters file of `createJob`, later ones are results. */
export interface FileRevision {
  /** 1 for the file the job was created with, then 2, 3, ... per `uploadResult`. */
  readonly revision: number;
  /** The file as the job showed it while this revision was current (properties included). */
  readonly file: JobFile;
  /** When the revision was recorded, and by whom. */
  readonly created: Date;
  readonly createdById: string;
  /** False for a file recorded by name only (createJob without content): there are no bytes to read. */
  readonly stored: boolean;
}

const mimeByExtension: Readonly<Record<string, string>> = {
  json: 'application/json',
  txt: 'text/plain',
  csv: 'text/csv',
  md: 'text/markdown',
  html: 'text/html',
  xml: 'application/xml',
  yaml: 'application/yaml',
  yml: 'application/yaml',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  pdf: 'application/pdf',
  zip: 'application/zip',
  gz: 'application/gzip',
};

/** The extension of a file name without the dot (`params.json` -> `json`), or undefined. */
export const extensionOf = (name: string): string | undefined => {
  const dot = name.lastIndexOf('.');
  return dot > 0 && dot < name.length - 1 ? name.slice(dot + 1).toLowerCase() : undefined;
};

/**
 * The media type recorded for a file when the caller names none: from its extension, else
 * `application/octet-stream`.
 *
 * @example
 * mimeOf('params.json'); // 'application/json'
 */
export const mimeOf = (name: string): string =>
  mimeByExtension[extensionOf(name) ?? ''] ?? 'application/octet-stream';

/** The job's file once a revision was added: its own name, size, mime and sha256, no properties yet. */
export const fileOfRevision = (data: JobEventData['JobFileRevisionAdded']): JobFile => ({
  name: data.name,
  extension: data.extension ?? null,
  mime: data.mime ?? null,
  size: data.size,
  sha256: data.sha256,
  description: null,
  displayName: null,
  externalIdentifier: null,
  versionName: null,
});

/**
 * Collects the revisions of a job's file from its decoded events, in order. Feed every event of the stream
 * (with the job as `evolve` made it after the event); the last revision follows property updates.
 *
 * @example
 * const revisions = collectFileRevisions();
 * for (const { event, file, at, by } of events) revisions.push(event, file, at, by);
 * revisions.all(); // [{ revision: 1, file, ... }, { revision: 2, ... }]
 */
export const collectFileRevisions = () => {
  const revisions: FileRevision[] = [];
  return {
    push(event: JobEvent, file: JobFile | undefined, at: Date, by: string): void {
      if (file === undefined) return;
      if (event.type === 'JobCreated')
        revisions.push({
          revision: 1,
          file,
          created: at,
          createdById: by,
          stored: event.data.fileStored === true,
        });
      else if (event.type === 'JobFileRevisionAdded')
        revisions.push({ revision: event.data.revision, file, created: at, createdById: by, stored: true });
      else if (event.type === 'JobPropertiesUpdated' && revisions.length > 0) {
        const last = revisions[revisions.length - 1]!;
        revisions[revisions.length - 1] = { ...last, file };
      }
    },
    all(): readonly FileRevision[] {
      return revisions;
    },
  };
};
