import type { Actor } from './principal.js';

/** Metadata every stored event carries. `prevHash`/`hash` chain the events of one stream. */
export interface EventMetadata {
  readonly recordedAt: string;
  readonly actor: Actor;
  readonly correlationId?: string;
  readonly causationId?: string;
  readonly prevHash: string;
  readonly hash: string;
}

/** An event as the store holds it. `position` is opaque: pass it back as `after` to the same store. */
export interface StoredEvent<Type extends string = string, Data = unknown> {
  readonly eventId: string;
  readonly streamId: string;
  readonly version: number;
  readonly position: string;
  readonly type: Type;
  readonly schemaVersion: number;
  readonly data: Data;
  readonly metadata: EventMetadata;
}

/** What a caller hands to `append`. The store completes `prevHash` and `hash` (and `recordedAt` if missing). */
export interface NewEvent<Type extends string = string, Data = unknown> {
  readonly eventId?: string;
  readonly type: Type;
  readonly schemaVersion?: number;
  readonly data: Data;
  readonly metadata?: {
    readonly recordedAt?: string;
    readonly actor?: Actor;
    readonly correlationId?: string;
    readonly causationId?: string;
  };
}

/** The stream that holds the events of job `jobId`. */
export const jobStreamId = (jobId: string): string => `job-${jobId}`;

/** The job id of a job stream, or undefined for any other stream. */
export const jobIdOfStream = (streamId: string): string | undefined =>
  streamId.startsWith('job-') ? streamId.slice(4) : undefined;
