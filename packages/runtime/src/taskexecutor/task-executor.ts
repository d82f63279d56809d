import os from 'node:os';
import { ClusterOptions, Configuration, SpindleError, getLogger, serializeError, systemScheduler, type Scheduler } from '@spindle/core';
import {
  isTerminalExecutionState,
  type CheckpointTriggerSpec,
  type ExecutionState,
  type SerializedFailure,
  type SlotReport,
  type TaskCheckpointAck,
  type TaskDeploymentDescriptor,
  type TaskExecutionState,
} from '@spindle/protocol';
import { HeartbeatSender } from '../heartbeat/heartbeat-monitor.js';
import type { LogDirectory } from '../logs/log-directory.js';
import type { JobMasterGateway, LogFileChunk, ResourceManagerGateway, TaskExecutorGateway, TaskManagerLogs } from '../rpc/gateways.js';
import type { RpcService } from '../rpc/rpc-service.js';
import type { ThreadDumpEntry } from '../metrics/thread-dump.js';
import type { SlotHost, SlotHostFactory } from './slot-host.js';
import { taskManagerThreadDump } from './task-executor-threads.js';
import {
  TaskExecutorReports,
  deployedTaskInfo,
  type DeployedTaskInfo,
  type SlotReport as SlotMetricsReport,
  type TaskExecutorMetrics,
} from './task-executor-reports.js';

export type { DeployedTaskInfo, TaskExecutorMetrics } from './task-executor-reports.js';

interface Slot {
  index: number;
  allocationId?: string;
  jobId?: string;
  jobMasterAddress?: string;
  host?: SlotHost;
}

/** A task deployed here that has not reported a terminal state yet. */
interface LiveTask {
  slot: Slot;
  jobId: string;
  info: DeployedTaskInfo;
  /** Its latest state as reported by its host. */
  state: ExecutionState;
  report: (state: TaskExecutionState) => void;
  cancellationTimeoutMs: number;
  cancelTimer?: NodeJS.Timeout;
}

export interface TaskExecutorOptions {
  resourceId: string;
  address: string;
  numberOfSlots: number;
  dataPort: number;
  resourceManagerAddress: string;
  /** Where the data plane of this TaskManager listens (host:port), if it has one. */
  dataAddress?: string;
  /** Makes a deployment's job bundle available locally (fetching it from the blob store). */
  resolveArtifact?: (tdd: TaskDeploymentDescriptor) => Promise<TaskDeploymentDescriptor>;
  /**
   * Called once the last slot of a job here is freed (its hosts closed): the job has ended on
   * this TaskManager, and whatever still waits for its partitions here can be released.
   */
  onJobReleased?: (jobId: string, cause: string) => void;
  /** Deletes BLOCKING partitions of a job held by this TaskManager (see TaskExecutorGateway.releasePartitions). */
  releasePartitions?: (jobId: string, partitionIds: string[]) => void;
  /** Deletes every BLOCKING partition of a job held here (its JobMaster is lost). */
  releaseJobPartitions?: (jobId: string) => void;
  /** Whether this TaskManager holds BLOCKING partitions of a job: it keeps heartbeating to that job's JobMaster meanwhile. */
  holdsPartitionsOf?: (jobId: string) => boolean;
  /** The TaskManager's log directory and own log file; none by default (an embedded cluster). */
  logs?: LogDirectory;
  /** Port of the TaskManager's Prometheus endpoint, announced at registration. */
  metricsPort?: number;
}

/**
 * A TaskManager's slots and the tasks in them. It registers with the ResourceManager, offers
 * slots the ResourceManager assigns to the JobMaster that asked, runs deployed tasks in the
 * slot's host, and reports task states to the JobMaster.
 */
export class TaskExecutor implements TaskExecutorGateway {
  private readonly slots: Slot[];
  private readonly log = getLogger('task-executor');
  private resourceManager: ResourceManagerGateway | undefined;
  private readonly heartbeat: HeartbeatSender;
  private readonly lastContact = new Map<string, number>();
  private registered = false;
  private registering: Promise<void> | undefined;
  private closed = false;
  private readonly timeoutMs: number;
  private readonly tasks = new Map<string, LiveTask>();
  /** Deployments still fetching their job bundle, and whether they were cancelled meanwhile. */
  private readonly deploying = new Map<string, { cancelled: boolean }>();
  private readonly reports: TaskExecutorReports;
  /** The JobMaster of every job that had slots here, while the job has slots or partitions here. */
  private readonly jobMasterOf = new Map<string, string>();

  constructor(
    private readonly options: TaskExecutorOptions,
    private readonly rpc: RpcService,
    private readonly hostFactory: SlotHostFactory,
    config: Configuration = new Configuration(),
    private readonly scheduler: Scheduler = systemScheduler,
  ) {
    this.slots = Array.from({ length: options.numberOfSlots }, (_, index) => ({ index }));
    this.timeoutMs = config.get(ClusterOptions.HEARTBEAT_TIMEOUT);
    this.heartbeat = new HeartbeatSender(scheduler, config.get(ClusterOptions.HEARTBEAT_INTERVAL), () => this.sendHeartbeats());
    this.reports = new TaskExecutorReports(options.logs);
  }

  get resourceId(): string {
    return this.options.resourceId;
  }

  /** Registers with the ResourceManager (`retry`: keep trying until it answers) and starts heartbeats. */
  async start(retry = false): Promise<void> {
    this.rpc.register(this.options.address, this);
    this.reports.start();
    this.resourceManager = this.rpc.connect<ResourceManagerGateway>(this.options.resourceManagerAddress);
    if (retry) void this.register();
    else await this.registerOnce();
    this.heartbeat.start();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.heartbeat.stop();
    this.reports.close();
    this.rpc.unregister(this.options.address);
    await Promise.all(this.slots.flatMap((s) => (s.host ? [s.host.close()] : [])));
  }

  get isRegistered(): boolean {
    return this.registered;
  }

  private async registerOnce(): Promise<void> {
    await this.resourceManager!.registerTaskExecutor({
      resourceId: this.options.resourceId,
      address: this.options.address,
      dataPort: this.options.dataPort,
      numberOfSlots: this.options.numberOfSlots,
      hardware: { cpuCores: os.cpus().length, physicalMemory: os.totalmem() },
      ...(this.options.metricsPort !== undefined ? { metricsPort: this.options.metricsPort } : {}),
    });
    this.registered = true;
    this.lastContact.set(this.options.resourceManagerAddress, this.scheduler.now());
    this.log.info('registered at the ResourceManager', { resourceManager: this.options.resourceManagerAddress });
  }

  /** Tries to register until it succeeds or the TaskExecutor closes. */
  private register(): Promise<void> {
    this.registering ??= (async () => {
      let warned = false;
      while (!this.closed && !this.registered) {
        try {
          await this.registerOnce();
        } catch (e) {
          if (!warned) this.log.warn('cannot register at the ResourceManager; retrying', { error: e });
          warned = true;
          await new Promise((r) => this.scheduler.schedule(() => r(undefined), 1000));
        }
      }
    })().finally(() => (this.registering = undefined));
    return this.registering;
  }

  private slotReport(): SlotReport {
    return {
      resourceId: this.resourceId,
      slots: this.slots.map((s) => ({ slotIndex: s.index, ...(s.allocationId ? { allocationId: s.allocationId, jobId: s.jobId! } : {}) })),
    };
  }

  /**
   * One heartbeat round: asks every slot for its tasks' metrics once, then reports the
   * TaskManager's status with the slot report to the ResourceManager, and each JobMaster's
   * tasks' metrics to that JobMaster.
   */
  private async sendHeartbeats(): Promise<void> {
    const rm = this.options.resourceManagerAddress;
    const reports: SlotMetricsReport[] = await this.reports.collect(this.slots);
    if (this.registered) {
      await this.resourceManager!.heartbeatFromTaskManager(this.resourceId, this.slotReport(), this.reports.status(reports)).then(
        () => this.lastContact.set(rm, this.scheduler.now()),
        (e: unknown) => this.resourceManagerUnreachable(e),
      );
    }
    const jobMasters = new Set(this.slots.map((s) => s.jobMasterAddress).filter((a): a is string => a !== undefined));
    // A job whose regions finished here still needs this TaskManager while it holds their partitions.
    for (const [jobId, address] of [...this.jobMasterOf]) {
      if (this.hasJob(jobId) || this.options.holdsPartitionsOf?.(jobId)) jobMasters.add(address);
      else this.jobMasterOf.delete(jobId);
    }
    for (const address of jobMasters) {
      this.lastContact.set(address, this.lastContact.get(address) ?? this.scheduler.now());
      const metrics = Object.fromEntries(
        reports.filter((r) => r.jobMasterAddress === address).flatMap((r) => Object.entries(r.metrics.tasks)),
      );
      await this.rpc
        .connect<JobMasterGateway>(address)
        .heartbeatFromTaskManager(this.resourceId, { metrics })
        .then(
          () => this.lastContact.set(address, this.scheduler.now()),
          () => this.jobMasterUnreachable(address),
        );
    }
  }

  /** The TaskManager's status and the metrics of the tasks running here now (its Prometheus endpoint). */
  async collectMetrics(): Promise<TaskExecutorMetrics> {
    const reports = await this.reports.collect(this.slots);
    const tasks: TaskExecutorMetrics['tasks'] = [];
    for (const { metrics } of reports) {
      for (const [attemptId, m] of Object.entries(metrics.tasks)) {
        const live = this.tasks.get(attemptId);
        if (live) tasks.push({ ...live.info, metrics: m });
      }
    }
    return { status: this.reports.status(reports), tasks };
  }

  requestLogList(): Promise<TaskManagerLogs> {
    return this.reports.logList();
  }

  requestLogFile(name: string, offset: number, length: number): Promise<LogFileChunk> {
    return this.reports.logFile(name, offset, length);
  }

  async requestThreadDump(): Promise<ThreadDumpEntry[]> {
    return taskManagerThreadDump(this.options.resourceId, this.slots, [...this.tasks.values()]);
  }

  private resourceManagerUnreachable(e: unknown): void {
    const unknown = e instanceof SpindleError && e.code === 'UNKNOWN_TASK_MANAGER';
    const since = this.scheduler.now() - (this.lastContact.get(this.options.resourceManagerAddress) ?? 0);
    if (!unknown && since <= this.timeoutMs) return;
    this.log.warn(unknown ? 'the ResourceManager no longer knows this TaskManager' : 'lost the ResourceManager', { since });
    this.registered = false;
    if (!unknown) void this.freeAllSlots('the JobManager is unreachable');
    void this.register();
  }

  private jobMasterUnreachable(address: string): void {
    const since = this.scheduler.now() - (this.lastContact.get(address) ?? 0);
    if (since <= this.timeoutMs) return;
    this.log.warn('lost a JobMaster; freeing its slots', { jobMaster: address, since });
    this.lastContact.delete(address);
    for (const s of this.slots) if (s.jobMasterAddress === address && s.allocationId) void this.freeSlot(s.allocationId, 'JobMaster lost');
    // Nobody will read or release the blocking partitions of its jobs any more (as Flink, on losing a JobMaster).
    for (const [jobId, jobMaster] of [...this.jobMasterOf]) {
      if (jobMaster !== address) continue;
      this.jobMasterOf.delete(jobId);
      this.options.releaseJobPartitions?.(jobId);
    }
  }

  private async freeAllSlots(cause: string): Promise<void> {
    await Promise.all(this.slots.filter((s) => s.allocationId).map((s) => this.freeSlot(s.allocationId!, cause)));
  }

  async requestSlot(slotIndex: number, jobId: string, allocationId: string, jobMasterAddress: string): Promise<void> {
    const slot = this.slots[slotIndex];
    if (!slot) throw new SpindleError(`no slot ${slotIndex} on ${this.resourceId}`, { code: 'NO_SUCH_SLOT' });
    if (slot.allocationId && slot.allocationId !== allocationId) {
      throw new SpindleError(`slot ${slotIndex} of ${this.resourceId} is already allocated`, { code: 'SLOT_OCCUPIED' });
    }
    Object.assign(slot, { allocationId, jobId, jobMasterAddress });
    this.jobMasterOf.set(jobId, jobMasterAddress);
    const jobMaster = this.rpc.connect<JobMasterGateway>(jobMasterAddress);
    const offer = { allocationId, slotIndex, ...(this.options.dataAddress ? { dataAddress: this.options.dataAddress } : {}) };
    // A JobMaster that ended meanwhile (cancelled while its slots were on their way) cannot take the slot.
    const accepted = await jobMaster.offerSlots(this.resourceId, this.options.address, [offer]).catch(() => []);
    if (accepted.length === 0) await this.freeSlot(allocationId, 'offer rejected');
  }

  async submitTask(deployment: TaskDeploymentDescriptor): Promise<void> {
    const id = deployment.executionAttemptId;
    const pending = { cancelled: false };
    this.deploying.set(id, pending);
    let tdd: TaskDeploymentDescriptor;
    try {
      tdd = this.options.resolveArtifact ? await this.options.resolveArtifact(deployment) : deployment;
    } finally {
      this.deploying.delete(id);
    }
    const slot = this.slots.find((s) => s.allocationId === tdd.allocationId);
    if (!slot || slot.jobId !== tdd.jobId) {
      throw new SpindleError(`no slot allocated for ${tdd.allocationId} of job ${tdd.jobId}`, { code: 'SLOT_NOT_FOUND' });
    }
    const jobMaster = this.rpc.connect<JobMasterGateway>(slot.jobMasterAddress!);
    const send = (state: TaskExecutionState): void => {
      jobMaster.updateTaskExecutionState(state).catch((e: unknown) => this.log.warn('could not report task state', { error: e }));
    };
    if (pending.cancelled) {
      send({ jobId: tdd.jobId, executionAttemptId: id, state: 'CANCELED' });
      return;
    }
    const cancellationTimeoutMs = new Configuration(tdd.config).get(ClusterOptions.TASK_CANCELLATION_TIMEOUT);
    const live: LiveTask = { slot, jobId: tdd.jobId, info: deployedTaskInfo(tdd), state: 'DEPLOYING', report: send, cancellationTimeoutMs };
    this.tasks.set(id, live);
    slot.host ??= this.hostFactory(slot.index, tdd);
    const checkpoints = {
      acknowledge: (checkpointId: number, ack: TaskCheckpointAck) =>
        void jobMaster.acknowledgeCheckpoint(tdd.jobId, id, checkpointId, ack).catch((e: unknown) => this.unreported(e)),
      decline: (checkpointId: number, failure: SerializedFailure) =>
        void jobMaster.declineCheckpoint(tdd.jobId, id, checkpointId, failure).catch((e: unknown) => this.unreported(e)),
    };
    slot.host.deploy(
      tdd,
      (state: TaskExecutionState) => {
        // A task whose slot worker was terminated has been reported already; the host is gone.
        if (this.tasks.get(id) !== live) return;
        live.state = state.state;
        if (isTerminalExecutionState(state.state)) this.forget(id);
        send(state);
      },
      checkpoints,
    );
  }

  private unreported(e: unknown): void {
    this.log.warn('could not report a checkpoint to the JobMaster', { error: e });
  }

  async triggerCheckpoint(executionAttemptId: string, trigger: CheckpointTriggerSpec): Promise<void> {
    this.liveTask(executionAttemptId).slot.host?.triggerCheckpoint(executionAttemptId, trigger);
  }

  async confirmCheckpoint(executionAttemptId: string, checkpointId: number): Promise<void> {
    this.tasks.get(executionAttemptId)?.slot.host?.notifyCheckpointComplete(executionAttemptId, checkpointId);
  }

  async abortCheckpoint(executionAttemptId: string, checkpointId: number): Promise<void> {
    this.tasks.get(executionAttemptId)?.slot.host?.notifyCheckpointAborted(executionAttemptId, checkpointId);
  }

  private liveTask(executionAttemptId: string): LiveTask {
    const live = this.tasks.get(executionAttemptId);
    if (!live)
      throw new SpindleError(`task ${executionAttemptId} is not running here`, { code: 'TASK_NOT_FOUND', recoverability: 'recoverable' });
    return live;
  }

  async cancelTask(executionAttemptId: string): Promise<void> {
    const live = this.tasks.get(executionAttemptId);
    if (!live) {
      // Its deployment may still be fetching the job bundle: it must not start.
      const pending = this.deploying.get(executionAttemptId);
      if (pending) pending.cancelled = true;
      return;
    }
    live.slot.host?.cancel(executionAttemptId);
    if (live.cancellationTimeoutMs > 0 && !live.cancelTimer) {
      live.cancelTimer = setTimeout(() => this.cancellationTimedOut(executionAttemptId), live.cancellationTimeoutMs);
    }
  }

  private forget(executionAttemptId: string): void {
    const live = this.tasks.get(executionAttemptId);
    clearTimeout(live?.cancelTimer);
    this.tasks.delete(executionAttemptId);
  }

  /**
   * A cancelled task did not stop in time (user code that loops or never settles). Unlike a JVM
   * thread, a worker thread can be terminated: the slot's worker goes, with every task in it,
   * and they are reported as ended; the slot stays allocated to its job until the JobMaster
   * frees it, and this TaskManager carries on.
   */
  private cancellationTimedOut(executionAttemptId: string): void {
    const live = this.tasks.get(executionAttemptId);
    if (!live) return;
    const slot = live.slot;
    this.log.warn('a cancelled task did not stop within task.cancellation.timeout; terminating its slot worker', {
      slot: slot.index,
      attempt: executionAttemptId,
      timeoutMs: live.cancellationTimeoutMs,
    });
    const host = slot.host;
    delete slot.host;
    void host?.close();
    const cause = new SpindleError(
      `the slot's worker thread was terminated because a cancelled task did not stop within ${live.cancellationTimeoutMs} ms ` +
        '(task.cancellation.timeout); user code should return promptly or stop when the context signal aborts',
      { code: 'TASK_CANCELLATION_TIMEOUT', recoverability: 'recoverable' },
    );
    for (const [id, other] of [...this.tasks]) {
      if (other.slot !== slot) continue;
      this.forget(id);
      const cancelling = other.cancelTimer !== undefined || id === executionAttemptId;
      other.report(
        cancelling
          ? { jobId: other.jobId, executionAttemptId: id, state: 'CANCELED' }
          : { jobId: other.jobId, executionAttemptId: id, state: 'FAILED', failure: serializeError(cause) },
      );
    }
  }

  async releasePartitions(jobId: string, partitionIds: string[]): Promise<void> {
    this.log.debug('releasing blocking partitions', { jobId, partitions: partitionIds.length });
    this.options.releasePartitions?.(jobId, partitionIds);
  }

  async freeSlot(allocationId: string, cause: string): Promise<void> {
    const slot = this.slots.find((s) => s.allocationId === allocationId);
    if (!slot) return;
    const host = slot.host;
    const jobId = slot.jobId;
    for (const [id, live] of [...this.tasks]) if (live.slot === slot) this.forget(id);
    delete slot.allocationId;
    delete slot.jobId;
    delete slot.jobMasterAddress;
    delete slot.host;
    await host?.close();
    this.log.debug('freed slot', { slot: slot.index, cause });
    if (jobId !== undefined && !this.hasJob(jobId)) this.options.onJobReleased?.(jobId, cause);
    if (this.registered) await this.resourceManager?.notifySlotAvailable(this.resourceId, slot.index, allocationId).catch(() => undefined);
  }

  /** Whether a slot here is allocated to `jobId`. */
  hasJob(jobId: string): boolean {
    return this.slots.some((s) => s.jobId === jobId);
  }

  /** Slots that hold an allocation, for tests and the REST layer. */
  allocatedSlotCount(): number {
    return this.slots.filter((s) => s.allocationId !== undefined).length;
  }
}
