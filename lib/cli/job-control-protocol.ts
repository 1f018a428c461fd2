/**
 * The wire protocol of a running job's control endpoint: HTTP/1.1 with JSON bodies over the Unix
 * socket named in the job's registration (`job-registry.ts`). One request per connection. It maps
 * Flink's REST calls for one job (`/jobs/:id/savepoints`, `/jobs/:id/stop`, `PATCH /jobs/:id`)
 * onto a job that serves itself.
 *
 * | request                                         | 200 response                 |
 * |-------------------------------------------------|------------------------------|
 * | `GET /`                                         | {@link JobStatus}            |
 * | `POST /savepoint` {@link SavepointRequest}      | {@link SavepointResponse}    |
 * | `POST /stop` {@link StopRequest}                | {@link SavepointResponse}    |
 * | `POST /cancel` (empty body or `{}`)             | {@link CancelResponse}       |
 *
 * Failures answer {@link ErrorResponse} with status 400 (bad JSON, a missing or relative
 * directory), 404 (unknown path), 405 (wrong method), 409 (the job is stopping, cancelling or has
 * ended), 413 (body over {@link MAX_REQUEST_BODY_BYTES}) or 500 (the operation failed, e.g. a
 * savepoint that did not complete). POST /savepoint and /stop answer once the savepoint is written
 * (and, for /stop, the job has stopped); POST /cancel once the job has stopped.
 */
import type { EncodedError } from '../errors.js';
import type { JobRegistration } from './job-registry.js';

/**
 * What the job is doing, as its control endpoint sees it: `RUNNING` (accepts every request),
 * `STOPPING` (a stop-with-savepoint is in progress; only cancel is accepted, and overrides it),
 * `CANCELLING` (cancel is in progress), `ENDED` (the job has ended; the endpoint is closing).
 */
export type JobControlState = 'RUNNING' | 'STOPPING' | 'CANCELLING' | 'ENDED';

/** `GET /`: the job's registration plus its state. */
export interface JobStatus extends JobRegistration {
  readonly state: JobControlState;
}

/** `POST /savepoint` body: `directory` must be absolute (the job's working directory is not the caller's). */
export interface SavepointRequest {
  readonly directory: string;
}

/** `POST /stop` body: stop with a savepoint into `savepointDirectory` (absolute). */
export interface StopRequest {
  readonly savepointDirectory: string;
}

/** A completed savepoint: `path` is its directory (`<dir>/savepoint-<jobId>-<checkpointId>`, holding `_metadata`). */
export interface SavepointResponse {
  readonly path: string;
  readonly checkpointId: number;
}

/** `POST /cancel` answer, sent once the job has stopped. */
export interface CancelResponse {
  readonly jobId: string;
}

/** Body of every non-200 answer: the error encoded as `{code, name, message, cause?}` (no stacks). */
export interface ErrorResponse {
  readonly error: EncodedError;
}

/** Request bodies larger than this many bytes are refused with 413. */
export const MAX_REQUEST_BODY_BYTES = 64 * 1024;

/**
 * What a control endpoint operates on: the `weir run` side of one job (`RunningJob`).
 * Refusals for the job's state are `JobControlError`s with `status` 409; any other rejection is
 * the operation's failure (500).
 */
export interface JobControlTarget {
  status(): JobStatus;
  /** Takes a savepoint into `directory` (absolute) while the job keeps running. */
  triggerSavepoint(directory: string): Promise<SavepointResponse>;
  /** Takes a savepoint into `savepointDirectory` (absolute), then stops the job. */
  stop(savepointDirectory: string): Promise<SavepointResponse>;
  /** Cancels the job; resolves once it has stopped. */
  cancel(): Promise<void>;
}
