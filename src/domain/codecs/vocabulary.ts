import { jobStatusNames, type JobStatusName } from '../JobStatusName.js';
import { oneOf } from './decode.js';

/** The closed vocabularies of the SDK, one codec each, shared by events, inputs and the wire. */
export const StatusName = oneOf<JobStatusName>('JobStatusName', jobStatusNames);
export const ArchiveStatusName = oneOf('ArchiveStatusName', ['Active', 'Archived'] as const);
export const Relation = oneOf('AccessRelation', ['viewer', 'editor', 'owner', 'administrator'] as const);
export const SubjectType = oneOf('AccessSubjectType', ['user', 'agent', 'email'] as const);
