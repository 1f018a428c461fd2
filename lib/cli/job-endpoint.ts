/**
 * Publishes a running job for the job-control commands: serves its control endpoint on a Unix
 * socket (`job-control-server.ts`), then registers it in `$WEIR_HOME/jobs/` (`job-registry.ts`) —
 * in that order, so a registered job always answers. {@link PublishedJob.close} undoes both.
 */
import { removeRegistration, removeRegistrationSync, removeSocketFile, removeSocketFileSync, writeRegistration, type JobRegistration } from './job-registry.js';
import { serveJobControl, type JobControlServer } from './job-control-server.js';
import type { RunningJob } from './running-job.js';
import { allocateSocketPath, ensureWeirHome, type WeirHome } from './weir-home.js';

/** A job that the job-control commands can find and reach. */
export interface PublishedJob {
  readonly registration: JobRegistration;
  /**
   * Unregisters the job, then closes its endpoint (requests in flight answer first, for up to 5 s)
   * and deletes the socket file and its private directory. Idempotent; never rejects.
   */
  close(): Promise<void>;
  /**
   * Deletes the registration and socket file synchronously, for a process about to die
   * (connections are not waited for). Never throws.
   */
  closeSync(): void;
}

/**
 * Serves `job`'s control endpoint and registers it in `home` (directories created with mode 0700).
 * `job` must be attached (deployed).
 * @throws the file system's or listen error (e.g. `EACCES` for an unwritable `WEIR_HOME`); nothing
 *   is left behind then.
 */
export async function publishJob(job: RunningJob, home: WeirHome): Promise<PublishedJob> {
  const jobId = job.jobId;
  if (jobId === undefined) throw new Error('publishJob: the job has not started');
  await ensureWeirHome(home);
  const location = await allocateSocketPath(home, jobId);
  let server: JobControlServer;
  try {
    server = await serveJobControl(job, location.path);
  } catch (err) {
    await removeSocketFile(home, location.path);
    throw err;
  }
  job.setSocket(location.path);
  const registration = job.registration();
  try {
    await writeRegistration(home, registration);
  } catch (err) {
    await server.close(0);
    await removeSocketFile(home, location.path);
    throw err;
  }
  let closing: Promise<void> | undefined;
  return {
    registration,
    close() {
      closing ??= (async () => {
        await removeRegistration(home, jobId);
        await server.close();
        await removeSocketFile(home, location.path);
      })();
      return closing;
    },
    closeSync() {
      removeRegistrationSync(home, jobId);
      removeSocketFileSync(home, location.path);
    },
  };
}
