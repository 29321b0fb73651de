import { createContextKey, type Context } from '@opentelemetry/api';

/**
 * What the store learns during one command and its span reports: the status change the appended events made,
 * and how many appends lost an optimistic-concurrency race before one went through. The command's span puts it
 * in the context it runs in; the store decorator, running inside, fills it.
 * @internal
 */
export interface CommandRecord {
  retries: number;
  from?: string;
  to?: string;
}

const commandRecordKey = createContextKey('jobledger.command.record');

/** The context with `record` as the running command's. @internal */
export const withCommandRecord = (context: Context, record: CommandRecord): Context =>
  context.setValue(commandRecordKey, record);

/** The running command's record, if a traced command runs in `context`. @internal */
export const commandRecordOf = (context: Context): CommandRecord | undefined =>
  context.getValue(commandRecordKey) as CommandRecord | undefined;
