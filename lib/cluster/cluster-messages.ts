/**
 * Messages between task managers and the job manager (Flink's ResourceManager/JobMaster gateways:
 * registerTaskExecutor, heartbeatFromTaskManager, disconnectTaskManager). Plain data over NATS.
 */
import type { ActorRef } from '../actor/actor-ref.js';

/** The job manager's actor id and system address on every cluster. */
export const JOB_MANAGER_ADDRESS = 'jm';
export const JOB_MANAGER_ID = 'jobmanager';
export const jobManagerRef: ActorRef = { address: JOB_MANAGER_ADDRESS, id: JOB_MANAGER_ID };

/** Task manager → job manager: here are my slots (sent until acknowledged, and again after the job manager forgot it). */
export interface RegisterTaskManager {
  t: 'register-tm';
  /** Unique per task manager process: `tm-<host>-<pid>-<random>`. */
  taskManagerId: string;
  host: string;
  pid: number;
  /** Addresses of its task slots (one actor system per worker thread). */
  slots: string[];
}

/** Job manager → task manager: registered; heartbeat every `heartbeatIntervalMs`. */
export interface TaskManagerRegistered {
  t: 'tm-registered';
  heartbeatIntervalMs: number;
}

/** Task manager → job manager, every heartbeat interval. */
export interface TaskManagerHeartbeat {
  t: 'tm-heartbeat';
  taskManagerId: string;
}

/**
 * Job manager → task manager: it does not know you (it restarted, a standby took the leadership
 * over, or it declared you lost after a missed heartbeat timeout): cancel what your slots run and
 * register again (a new leader then redeploys the jobs it recovered).
 */
export interface TaskManagerUnknown {
  t: 'tm-unknown';
}

/** Task manager → job manager: a slot's worker thread died (its subtasks are lost). */
export interface SlotLost {
  t: 'slot-lost';
  taskManagerId: string;
  address: string;
  reason: string;
}
