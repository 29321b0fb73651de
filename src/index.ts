/**
 * jobledger: an event-sourced state-machine core for jobs.
 *
 * @example
 * import { createJobLedger, openStore, JobStatusName } from 'jobledger';
 * const ledger = createJobLedger({ store: openStore('memory:') });
 */
export {
  JobStatusName,
  jobStatusNames,
  terminalStatuses,
  isTerminalStatus,
  leasedStatuses,
} from './domain/JobStatusName.js';
export { jobMachine, toEvent, type JobMachineEvent } from './domain/jobMachine.js';
export {
  transitionTable,
  canTransition,
  allowedTargets,
  type TransitionTable,
} from './domain/transitionTable.js';
export {
  JobError,
  isJobError,
  type NotFound,
  type Conflict,
  type ConcurrencyConflict,
  type Forbidden,
  type ValidationError,
  type ValidationIssue,
  type Timeout,
  type StoreError,
} from './domain/errors.js';
export {
  systemPrincipal,
  type Principal,
  type UserPrincipal,
  type AgentPrincipal,
  type SystemPrincipal,
  type Actor,
} from './domain/principal.js';
export {
  currentStatus,
  currentArchiveStatus,
  isNoJobResponse,
  type FunctionVersion,
  type JobFile,
  type FileRevisionArchiveStatus,
  type ArchiveStatusName,
  type AccessRelation,
  type AccessSubjectType,
} from './domain/model.js';
export * from './domain/dto.js';
export {
  jobEventTypes,
  currentSchemaVersion,
  type JobEvent,
  type JobEventType,
  type JobEventData,
} from './domain/codecs/events.js';
export type { CreateJobInput, ListJobsInput } from './domain/codecs/inputs.js';
export {
  decide,
  decideStatusChange,
  isTerminal,
  type JobCommand,
  type DecideContext,
} from './domain/decide.js';
export { evolve, initialJobState, type JobState, type EventContext } from './domain/jobState.js';
export { relationOf, edgeDriver, type EffectiveRelation, type EdgeDriver } from './domain/policy.js';
export { foldJobStream, applyStoredEvent } from './domain/replay.js';
export {
  createUpcasterRegistry,
  defaultUpcasters,
  decodeJobEvent,
  type Upcaster,
  type UpcasterRegistry,
} from './domain/upcasters.js';
export { canonicalJson, eventHash, hashMatches } from './domain/hashChain.js';
export {
  leafHash,
  nodeHash,
  merkleRootOf,
  inclusionPath,
  consistencyPath,
  verifyInclusion,
  verifyConsistency,
} from './domain/merkle.js';
export { createMerkleTree, type MerkleTree } from './domain/merkleTree.js';
export {
  checkJobProof,
  type JobProof,
  type ProvenEvent,
  type ProofSummary,
} from './domain/proofs/jobProof.js';
export { checkConsistencyProof, type ConsistencyProof } from './domain/proofs/consistencyProof.js';
export { type ProofProblem, type ProofProblemKind } from './domain/proofs/proofProblem.js';
export { keyIdOf, type LedgerDigest, type KeyInput } from './domain/proofs/signedDigest.js';
export {
  createStreamVerifier,
  type VerifyReport,
  type VerifyProblem,
  type VerifyProblemKind,
} from './domain/verifyStream.js';
export {
  jobStreamId,
  jobIdOfStream,
  type StoredEvent,
  type NewEvent,
  type EventMetadata,
} from './domain/storedEvent.js';
export {
  wrongExpectedVersion,
  expectationHolds,
  type EventStore,
  type ExpectedVersion,
  type WrongExpectedVersion,
  type AppendResult,
  type TransactionalDecider,
  type StreamSnapshot,
  type ExecuteOptions,
  type LeaseRenewal,
  type LeaseStore,
} from './domain/EventStore.js';
export type {
  ReadModelStore,
  ProjectedEventStore,
  ProjectionProgress,
  ReadModelDump,
  JobListResult,
} from './projections/ReadModelStore.js';
export type { JobListQuery, JobRow, JobSort, ArchiveFilter } from './projections/jobListProjection.js';
export { catchUpProjections, rebuildReadModel } from './projections/projectionRunner.js';
export {
  createJobLedger,
  type JobLedger,
  type JobLedgerOptions,
  type ExpiredLease,
} from './app/createJobLedger.js';
export type { JobLedgerSession } from './app/JobLedgerSession.js';
export {
  createJobHandle,
  type JobHandle,
  type JobPropertiesInput,
  type SessionFileCache,
} from './app/jobHandle.js';
export type { LiveFeed, LiveFeedStats, FeedListener } from './app/liveFeed.js';
export { telemetryScope, type JobLedgerTelemetry } from './app/telemetry/telemetryInstruments.js';
export type { VerifyProgress } from './app/verifyLedger.js';
export { openStore, storeSchemes } from './adapters/openStore.js';
export { memoryEventStore } from './adapters/memory/memoryEventStore.js';
export {
  sqliteEventStore,
  parseSqliteUrl,
  type SqliteEventStore,
  type SqliteEventStoreOptions,
} from './adapters/sqlite/sqliteEventStore.js';
export {
  postgresEventStore,
  parsePostgresUrl,
  type PostgresEventStore,
  type PostgresEventStoreOptions,
} from './adapters/postgres/postgresEventStore.js';
export type { BlobStore, StoredBlob, CacheStats, WithDefaultBlobStore } from './app/BlobStore.js';
export type {
  AgentClaimInput,
  NewJobInput,
  ReadFileInput,
  FileStream,
  FileContent,
} from './app/JobLedgerSession.js';
export { mimeOf, extensionOf, type FileRevision } from './domain/fileRevisions.js';
export type { StoreErrorKind } from './domain/errors.js';
export { memoryBlobStore, type MemoryBlobStore } from './adapters/blobs/memoryBlobStore.js';
export { filesystemBlobStore, type FilesystemBlobStore } from './adapters/blobs/filesystemBlobStore.js';
export {
  postgresBlobStore,
  type PostgresBlobStore,
  type PostgresBlobStoreOptions,
} from './adapters/blobs/postgresBlobStore.js';
export { cachedBlobStore, type CacheOptions } from './adapters/blobs/cachedBlobStore.js';
export {
  createHttpServer,
  type HttpServer,
  type HttpServerOptions,
} from './adapters/http/createHttpServer.js';
export { parseTokens, readTokensFile, type TokenPrincipal, type TokenTable } from './adapters/http/tokens.js';
export type { IdempotencyStore, RememberedAnswer } from './adapters/http/idempotency/IdempotencyStore.js';
export { memoryIdempotencyStore } from './adapters/http/idempotency/memoryIdempotencyStore.js';
export { sqliteIdempotencyStore } from './adapters/http/idempotency/sqliteIdempotencyStore.js';
export { postgresIdempotencyStore } from './adapters/http/idempotency/postgresIdempotencyStore.js';
export type { MetricsEndpoint } from './adapters/http/metricsRoutes.js';
export type { RequestLogOptions } from './adapters/http/requestLog.js';
export { openPrometheusMetrics, type PrometheusMetrics } from './adapters/telemetry/prometheusMetrics.js';
export {
  kurrentdbEventStore,
  type KurrentdbEventStore,
  type KurrentdbEventStoreOptions,
} from './adapters/kurrentdb/kurrentdbEventStore.js';
export {
  openKurrentStore,
  type KurrentProjectedStore,
  type OpenKurrentStoreOptions,
} from './adapters/kurrentdb/openKurrentStore.js';
export { parseKurrentdbUrl, kurrentdbSchemes } from './adapters/kurrentdb/kurrentdbUrl.js';
export {
  projectionFeeder,
  type ProjectionFeeder,
  type ProjectionFeederOptions,
  type SubscriptionItem,
} from './adapters/kurrentdb/projectionFeeder.js';
export {
  sqliteFeedReadModel,
  type SqliteFeedReadModel,
  type SqliteFeedReadModelOptions,
} from './adapters/kurrentdb/sqliteFeedReadModel.js';
export { jsonSchemaOf, type JsonSchema } from './domain/codecs/jsonSchema.js';
export { createWorker } from './app/worker/createWorker.js';
export { WorkerOptionsError } from './app/worker/workerOptions.js';
export { WorkerCallError } from './app/worker/jobLease.js';
export type {
  Worker,
  WorkerOptions,
  WorkerClock,
  WorkerContext,
  ValidateContext,
  HandlerResult,
  WorkerStats,
  WorkerEvents,
  AbortReason,
} from './app/worker/workerTypes.js';
