import {
  CheckpointingOptions,
  ClusterOptions,
  Configuration,
  RestartStrategyOptions,
  ShuffleOptions,
  SpindleError,
  fileSystemFor,
  getLogger,
  renderFailure,
  serializeError,
  systemScheduler,
  type Logger,
  type Scheduler,
} from '@spindle/core';
import { HeartbeatMonitor } from '../heartbeat/heartbeat-monitor.js';
import { isTerminalExecutionState } from '@spindle/protocol';
import type {
  CheckpointTriggerSpec,
  JobArtifact,
  JobExecutionResultSpec,
  JobGraphSpec,
  SerializedFailure,
  SlotOffer,
  TaskCheckpointAck,
  TaskDeploymentDescriptor,
  TaskExecutionState,
} from '@spindle/protocol';
import { checkpointConfigFrom, discardOnJobEnd, savepointOnlyConfigFrom } from '../checkpoint/checkpoint-config.js';
import { readMetadata, readStateHandle } from '../checkpoint/checkpoint-storage.js';
import { assignState } from '../checkpoint/state-assignment.js';
import { CheckpointCoordinator } from '../checkpoint/checkpoint-coordinator.js';
import { restoreKey } from '../checkpoint/state-assignment.js';
import { restartStrategyFrom } from '../executiongraph/restart-strategies.js';
import { JobFailover, type RestorePlan } from './job-failover.js';
import { ExecutionGraph, type Execution } from '../executiongraph/execution-graph.js';
import type { JobMasterGateway, ResourceManagerGateway, TaskExecutorGateway, TaskManagerHeartbeatPayload } from '../rpc/gateways.js';
import type { RpcService } from '../rpc/rpc-service.js';
import { mergeAccumulators } from './accumulators.js';
import { archiveJob, type ArchivedJob, type SlotWait } from './archived-job.js';
import { SlotPool } from './slot-pool.js';
import { PartitionTracker } from './partition-tracker.js';
import { schedulingStrategyFor, type SchedulingStrategy } from '../scheduler/scheduling-strategy.js';

/** How long a job waits for its slots before it says so. */
const SLOT_WAIT_NOTICE_MS = 300;
/** Pause before a failed slot allocation is requested again. */
const SLOT_RETRY_MS = 1000;

export interface ExceptionEntry {
  exceptionName: string;
  message: string;
  stacktrace: string;
  timestamp: number;
  taskName: string | null;
  location: string | null;
  /** Restarts before this failure: failures with the same number belong to one failover. */
  failover: number;
}

/**
 * Runs one job: expands the JobGraph into an ExecutionGraph, gets one slot per slot-sharing
 * key from the ResourceManager, deploys the tasks as its scheduling strategy says, and follows
 * task states to the job's end. STREAMING jobs deploy every task at once (eager); jobs with
 * BLOCKING exchanges (BATCH) are scheduled lazily from the sources, pipelined region by region as
 * their blocking inputs finish: a region gets its slots when it is scheduled and gives back the
 * slots no other scheduled task shares when it finished, and the partition tracker releases the
 * blocking partitions once their consumers finished. A failed task fails the job unless the restart strategy
 * allows a restart: then every task is cancelled and, after the strategy's delay, redeployed as a
 * new attempt from the latest completed checkpoint: all tasks (full), or with region failover only
 * the tasks of the failed task's pipelined region while the others run on. With checkpointing on, the
 * CheckpointCoordinator triggers checkpoints while the tasks run.
 *
 * As in Flink, the job is RUNNING with its tasks SCHEDULED while it waits for slots. A streaming
 * job whose slots do not all arrive within `slot.request.timeout` (on a standalone cluster
 * `resourcemanager.standalone.start-up-time` when set) fails with NoResourceAvailableException;
 * a batch job keeps waiting. A slot allocation that fails is requested again.
 */
export class JobMaster implements JobMasterGateway {
  readonly graph: ExecutionGraph;
  readonly exceptions: ExceptionEntry[] = [];
  private readonly slotPool = new SlotPool();
  private readonly log: Logger;
  private slotTimer: NodeJS.Timeout | undefined;
  private slotWaitTimer: NodeJS.Timeout | undefined;
  /** Timers that give back slots unused for `slot.idle.timeout`, by allocation id. */
  private readonly idleSlotTimers = new Map<string, NodeJS.Timeout>();
  private waiting: SlotWait | undefined;
  /** Scheduled groups (regions, or the whole job) waiting for some of their slots. */
  private pendingGroups: Execution[][] = [];
  private readonly strategy: SchedulingStrategy;
  private readonly partitions: PartitionTracker;
  private failure: SerializedFailure | undefined;
  private resultResolve!: (r: JobExecutionResultSpec) => void;
  readonly result: Promise<JobExecutionResultSpec>;
  private readonly heartbeats: HeartbeatMonitor;
  readonly checkpoints: CheckpointCoordinator | undefined;
  private readonly failover: JobFailover;
  private restorePlan: RestorePlan;
  /** The state of the savepoint (or retained checkpoint) the job started from, until a checkpoint completes. */
  private initialPlan: RestorePlan;
  /** Stop with savepoint: the job ends FINISHED once its tasks, cancelled after the savepoint, all ended. */
  private stopping = false;
  private readonly lostTaskManagers = new Set<string>();

  constructor(
    readonly jobGraph: JobGraphSpec,
    private readonly artifact: JobArtifact,
    private readonly config: Configuration,
    private readonly rpc: RpcService,
    readonly address: string,
    private readonly resourceManager: ResourceManagerGateway,
    private readonly scheduler: Scheduler = systemScheduler,
  ) {
    this.graph = new ExecutionGraph(jobGraph, config.get(ShuffleOptions.BLOCKING_STORAGE));
    this.strategy = schedulingStrategyFor(jobGraph, this.graph);
    this.log = getLogger('job-master').child({ jobId: jobGraph.jobId });
    this.partitions = new PartitionTracker(
      this.graph,
      (address, ids) => {
        void this.rpc
          .connect<TaskExecutorGateway>(address)
          .releasePartitions(this.jobId, ids)
          .catch(() => undefined);
      },
      (dirs) => void this.deleteDfsPartitions(dirs),
    );
    for (const warning of config.deprecatedKeyWarnings()) this.log.warn(warning);
    const checkpointing = checkpointConfigFrom(config, jobGraph.runtimeMode);
    if (checkpointing?.defaultDir)
      this.log.warn('no execution.checkpointing.dir set: checkpoints go to a local directory', { dir: checkpointing.baseDir });
    // A STREAMING job takes savepoints even with checkpointing off (as in Flink).
    const coordinatorConfig = checkpointing ?? savepointOnlyConfigFrom(config, jobGraph.runtimeMode);
    this.checkpoints =
      coordinatorConfig && new CheckpointCoordinator(coordinatorConfig, jobGraph.jobId, this.coordinatorContext(), scheduler);
    this.failover = new JobFailover(
      this.failoverHost(),
      restartStrategyFrom(config, checkpointing !== undefined, scheduler),
      config.get(RestartStrategyOptions.FAILOVER_STRATEGY),
    );
    const timeout = config.get(ClusterOptions.HEARTBEAT_TIMEOUT);
    this.heartbeats = new HeartbeatMonitor(scheduler, timeout, (id) =>
      this.taskManagerLost(id, `no heartbeat for ${timeout} ms (heartbeat.timeout)`),
    );
    this.result = new Promise((resolve) => (this.resultResolve = resolve));
  }

  get jobId(): string {
    return this.jobGraph.jobId;
  }

  start(): void {
    this.rpc.register(this.address, this);
    this.heartbeats.start();
    const recoveryPath = this.config.get(CheckpointingOptions.STATE_RECOVERY_PATH);
    if (recoveryPath === undefined) return this.schedule();
    this.restoreFrom(recoveryPath).then(
      () => this.graph.status === 'CREATED' && this.schedule(),
      (error: unknown) => this.graph.status === 'CREATED' && this.failJob(serializeError(error), null),
    );
  }

  /**
   * Reads the savepoint (or retained checkpoint) the job starts from and assigns its state to the
   * subtasks, at their parallelism; state of operators the job no longer has is an error unless
   * `execution.state-recovery.ignore-unclaimed-state`. Restarts before the first checkpoint restore it again.
   */
  private async restoreFrom(path: string): Promise<void> {
    const metadata = await readMetadata(path);
    const allowNonRestored = this.config.get(CheckpointingOptions.IGNORE_UNCLAIMED_STATE);
    this.initialPlan = await assignState(metadata, this.jobGraph, readStateHandle, allowNonRestored);
    this.restorePlan = this.initialPlan;
    this.checkpoints?.restoredFrom(metadata.checkpointId);
    this.checkpoints?.stats.reportRestored(metadata.checkpointId, path, this.scheduler.now(), metadata.savepoint === true);
    this.log.info('starting from a savepoint', { path, checkpointId: metadata.checkpointId, fromJob: metadata.jobId });
  }

  /**
   * Takes a savepoint into `targetDirectory` (else `execution.checkpointing.savepoint-dir`) and
   * resolves with its path. With `stop`, the job then stops: its tasks are cancelled (whatever they
   * did after the savepoint is not committed) and the job ends FINISHED, as Flink's stop-with-savepoint;
   * with `cancel`, it ends CANCELED. `drain` makes sources emit MAX_WATERMARK first.
   */
  async triggerSavepoint(
    targetDirectory: string | undefined,
    options: { stop?: boolean; cancel?: boolean; drain?: boolean } = {},
  ): Promise<string> {
    const dir = targetDirectory ?? this.config.get(CheckpointingOptions.SAVEPOINT_DIR);
    const refuse = (message: string, code: string) =>
      new SpindleError(message, { code, recoverability: 'non-recoverable', userFacing: true });
    if (dir === undefined || dir === '')
      throw refuse(
        'No savepoint directory configured. You can either specify a directory (spindle savepoint <jobId> <dir>, stop -p <dir>, ' +
          "or the request's target directory) or configure a cluster-wide default via key 'execution.checkpointing.savepoint-dir'.",
        'SAVEPOINT_NO_DIRECTORY',
      );
    if (this.checkpoints === undefined)
      throw refuse('Savepoints are taken of STREAMING jobs only; this job runs in BATCH mode.', 'SAVEPOINT_NOT_SUPPORTED');
    if (this.graph.status !== 'RUNNING' || this.stopping)
      throw refuse(`Job ${this.jobId} is not running (${this.graph.status}): no savepoint can be taken.`, 'SAVEPOINT_NOT_TRIGGERED');
    const location = await this.checkpoints.triggerSavepoint(dir, options.drain ? { drain: true } : {});
    this.log.info('savepoint completed', { location, stop: options.stop === true, cancel: options.cancel === true });
    if (options.stop) this.stopAfterSavepoint();
    else if (options.cancel) this.cancel();
    return location;
  }

  /** Takes a checkpoint now (besides the periodic ones) and resolves with its id once completed. */
  async triggerCheckpoint(): Promise<number> {
    const refuse = (message: string) =>
      new SpindleError(message, { code: 'CHECKPOINT_NOT_TRIGGERED', recoverability: 'non-recoverable', userFacing: true });
    if (this.checkpoints === undefined) throw refuse('Checkpoints are taken of STREAMING jobs only; this job runs in BATCH mode.');
    if (this.graph.status !== 'RUNNING' || this.stopping)
      throw refuse(`Job ${this.jobId} is not running (${this.graph.status}): no checkpoint can be taken.`);
    const id = await this.checkpoints.triggerCheckpointOnRequest();
    this.log.info('checkpoint completed on request', { checkpointId: id });
    return id;
  }

  private stopAfterSavepoint(): void {
    if (this.graph.status !== 'RUNNING') return;
    this.stopping = true;
    this.checkpoints?.stopScheduler('the job stops with a savepoint');
    this.failover.stop();
    this.cancelRunning();
    this.checkTermination();
  }

  private schedule(): void {
    this.graph.transitionTo('RUNNING');
    for (const group of this.strategy.startScheduling()) this.scheduleGroup(group);
    const needed = new Set(this.pendingGroups.flat().map((e) => this.sharingKey(e))).size;
    // Not unref'd: while a job waits for slots, these timers keep a client process alive.
    if (this.jobGraph.runtimeMode !== 'BATCH') this.slotTimer = setTimeout(() => this.onSlotTimeout(needed), this.slotTimeoutMs());
    this.slotWaitTimer = setTimeout(() => void this.noteSlotWait(needed), SLOT_WAIT_NOTICE_MS);
  }

  /** Schedules a group of execution vertices: asks for the slots it lacks and deploys it once it has all. */
  private scheduleGroup(keys: string[]): void {
    const executions = keys.map((k) => this.graph.current(k));
    for (const e of executions) e.transitionTo('SCHEDULED');
    this.pendingGroups.push(executions);
    this.requestMissingSlots();
    this.deployReadyGroups();
  }

  private requestMissingSlots(): void {
    const missing = new Set(this.pendingGroups.flat().map((e) => this.sharingKey(e)));
    for (const key of [...missing]) if (this.slotPool.hasOrAwaits(key)) missing.delete(key);
    // Lazy scheduling: slots the job holds and no task uses serve first (see releaseIdleSlots).
    const idle = this.strategy.lazy ? this.idleHeldKeys() : [];
    for (const key of [...missing]) {
      if (idle.length === 0) break;
      this.slotPool.reassign(idle.shift()!, key);
      missing.delete(key);
    }
    for (const { allocationId } of this.slotPool.requestAll(missing)) this.requestSlot(allocationId);
  }

  /** Sharing keys of the scheduled and running tasks. */
  private keysInUse(): Set<string> {
    return new Set(this.graph.executions.filter((x) => x.state !== 'CREATED' && !x.isTerminal).map((x) => this.sharingKey(x)));
  }

  /** Sharing keys of held slots in which no scheduled or running task is. */
  private idleHeldKeys(inUse = this.keysInUse()): string[] {
    return this.slotPool.heldKeys().filter((key) => !inUse.has(key));
  }

  /** Deploys every pending group whose slots are all held; groups whose tasks were cancelled meanwhile are dropped. */
  private deployReadyGroups(): void {
    if (this.graph.status !== 'RUNNING') return;
    this.pendingGroups = this.pendingGroups.filter((g) => g.some((e) => e.state === 'SCHEDULED'));
    const ready = this.pendingGroups.filter((g) => g.every((e) => this.slotPool.slotFor(this.sharingKey(e)) !== undefined));
    if (ready.length === 0) return;
    this.pendingGroups = this.pendingGroups.filter((g) => !ready.includes(g));
    if (this.pendingGroups.length === 0) {
      this.waiting = undefined;
      clearTimeout(this.slotTimer);
      clearTimeout(this.slotWaitTimer);
    }
    for (const group of ready) {
      const scheduled = group.filter((e) => e.state === 'SCHEDULED');
      for (const e of scheduled) e.slot = this.slotPool.slotFor(this.sharingKey(e));
      for (const e of scheduled) this.deploy(e);
    }
    this.checkpoints?.startScheduler();
    this.releaseIdleSlots();
  }

  private get waitsForSlots(): boolean {
    return this.pendingGroups.length > 0;
  }

  /** What the job still waits for before it can deploy, once it has waited a moment; undefined otherwise. */
  slotWait(): SlotWait | undefined {
    return !this.waitsForSlots || this.graph.status !== 'RUNNING' ? undefined : this.waiting;
  }

  private slotTimeoutMs(): number {
    const startUp = this.config.get(ClusterOptions.STANDALONE_START_UP_TIME);
    return startUp >= 0 ? startUp : this.config.get(ClusterOptions.SLOT_REQUEST_TIMEOUT);
  }

  private requestSlot(allocationId: string): void {
    this.resourceManager.requestSlot(this.jobId, this.address, allocationId).catch((e: unknown) => {
      if (!this.isWaitingFor(allocationId) || (e instanceof SpindleError && e.code === 'SLOT_REQUEST_CANCELLED')) return;
      // The ResourceManager gave up starting TaskManagers: waiting for slot.request.timeout would only delay the failure.
      if (e instanceof SpindleError && e.code === 'WORKER_START_FAILED') return this.failWaitingForSlots(e);
      // One failed allocation (a TaskManager that went away meanwhile) is not fatal: ask again.
      this.log.warn('slot allocation failed; requesting the slot again', { allocationId, error: e });
      setTimeout(() => this.isWaitingFor(allocationId) && this.requestSlot(allocationId), SLOT_RETRY_MS);
    });
  }

  private isWaitingFor(allocationId: string): boolean {
    return this.graph.status === 'RUNNING' && this.slotPool.pendingAllocations().includes(allocationId);
  }

  private async noteSlotWait(needed: number): Promise<void> {
    if (!this.waitsForSlots || this.graph.status !== 'RUNNING' || this.slotPool.isComplete()) return;
    const overview = await this.resourceManager.requestResourceOverview().catch(() => undefined);
    const missing = this.slotPool.pendingAllocations().length;
    if (missing === 0 || !this.waitsForSlots) return;
    const free = needed - missing + (overview?.numberFreeSlots ?? 0);
    this.waiting = { needed, missing, free };
    this.log.info('waiting for slots: the job needs more slots than the cluster has free', {
      needed,
      missing,
      free,
      registeredSlots: overview?.numberRegisteredSlots,
    });
  }

  async offerSlots(resourceId: string, taskExecutorAddress: string, offers: SlotOffer[]): Promise<SlotOffer[]> {
    if (this.graph.status !== 'RUNNING') return [];
    const accepted = this.slotPool.offer(resourceId, taskExecutorAddress, offers);
    if (accepted.length > 0 && !this.heartbeats.isMonitored(resourceId)) this.heartbeats.monitor(resourceId);
    if (accepted.length > 0) queueMicrotask(() => this.deployReadyGroups());
    return accepted;
  }

  async updateTaskExecutionState(update: TaskExecutionState): Promise<void> {
    const e = this.graph.execution(update.executionAttemptId);
    if (!e || e.isTerminal) return;
    if (update.metrics) e.metrics = update.metrics;
    if (update.accumulators) e.accumulators = update.accumulators;
    if (e.state === 'CANCELING' && !isTerminalExecutionState(update.state)) {
      // The task started after the cancel reached its TaskManager (the two calls may cross): cancel it again.
      this.sendCancel(e);
      return;
    }
    const wasCanceling = e.state === 'CANCELING';
    e.transitionTo(update.state);
    this.log.debug('task state', { task: this.taskName(e), state: update.state });
    if (update.state === 'FINISHED') this.checkpoints?.executionFinished(e);
    if (update.state === 'FINISHED' && this.strategy.lazy) this.regionProgress(e);
    // A task that fails while a restart cancels it fails because of that restart.
    if (update.state === 'FAILED' && !this.stopping && !(wasCanceling && this.failover.isRestarting(e)))
      this.failover.onFailure(update.failure!, e);
    this.checkTermination();
  }

  /**
   * Lazy scheduling: `e` finished, so its blocking partitions are tracked, regions whose inputs are
   * now complete are scheduled (into slots still held where they can share them), and partitions
   * and slots nobody needs any more are released.
   */
  private regionProgress(e: Execution): void {
    this.partitions.producerFinished(e);
    if (this.graph.status !== 'RUNNING') return;
    for (const group of this.strategy.onExecutionFinished(e.key)) this.scheduleGroup(group);
    this.partitions.releaseUnneeded();
    this.releaseIdleSlots();
  }

  /**
   * Lazy scheduling: a held slot that no scheduled or running task uses goes to scheduled tasks
   * that wait for a slot (their request to the ResourceManager is withdrawn), as Flink's slot pool
   * matches free slots to any requirement: no round trip, and the slot keeps the job's code
   * loaded. A slot nobody waits for stays in the pool for `slot.idle.timeout`, for the regions
   * scheduled next, and is then given back. Requests for slots that no scheduled task waits for
   * any more (their tasks were cancelled) are withdrawn, so that they never hold a slot another
   * region needs.
   */
  private releaseIdleSlots(): void {
    if (!this.strategy.lazy || this.graph.status !== 'RUNNING') return;
    const inUse = this.keysInUse();
    const idle = this.idleHeldKeys(inUse);
    let reassigned = false;
    for (const [allocationId, key] of this.slotPool.pendingRequests()) {
      if (inUse.has(key) && idle.length === 0) continue;
      this.slotPool.dropPending(allocationId);
      void this.resourceManager.cancelSlotRequest(allocationId).catch(() => undefined);
      if (!inUse.has(key)) continue;
      this.slotPool.reassign(idle.shift()!, key);
      reassigned = true;
    }
    for (const key of idle) this.freeWhenIdle(key);
    if (reassigned) queueMicrotask(() => this.deployReadyGroups());
  }

  /** Gives back the slot held for `key` once it has stayed unused for `slot.idle.timeout` (under whatever key it then has). */
  private freeWhenIdle(key: string): void {
    const slot = this.slotPool.slotFor(key);
    if (slot === undefined || this.idleSlotTimers.has(slot.allocationId)) return;
    const timer = setTimeout(() => {
      this.idleSlotTimers.delete(slot.allocationId);
      if (this.graph.status !== 'RUNNING') return;
      const current = this.slotPool.heldKeys().find((k) => this.slotPool.slotFor(k)?.allocationId === slot.allocationId);
      if (current === undefined || !this.idleHeldKeys().includes(current)) return;
      this.slotPool.release(current);
      void this.rpc
        .connect<TaskExecutorGateway>(slot.taskExecutorAddress)
        .freeSlot(slot.allocationId, 'it stayed unused for slot.idle.timeout')
        .catch(() => undefined);
    }, this.config.get(ClusterOptions.SLOT_IDLE_TIMEOUT));
    timer.unref?.();
    this.idleSlotTimers.set(slot.allocationId, timer);
  }

  async acknowledgeCheckpoint(_jobId: string, attemptId: string, checkpointId: number, ack: TaskCheckpointAck): Promise<void> {
    this.checkpoints?.receiveAcknowledge(attemptId, checkpointId, ack);
  }

  async declineCheckpoint(_jobId: string, attemptId: string, checkpointId: number, failure: SerializedFailure): Promise<void> {
    this.checkpoints?.receiveDecline(attemptId, checkpointId, failure);
  }

  async heartbeatFromTaskManager(resourceId: string, payload?: TaskManagerHeartbeatPayload): Promise<void> {
    this.heartbeats.received(resourceId);
    for (const [attemptId, metrics] of Object.entries(payload?.metrics ?? {})) {
      const e = this.graph.execution(attemptId);
      if (e && !e.isTerminal) e.metrics = metrics;
    }
  }

  async disconnectTaskManager(resourceId: string, cause: string): Promise<void> {
    this.taskManagerGone(resourceId, cause);
  }

  /** A TaskManager the job uses is known gone (not through its heartbeats): it is lost now. */
  private taskManagerGone(resourceId: string, cause: string): void {
    if (!this.heartbeats.isMonitored(resourceId)) return;
    this.heartbeats.unmonitor(resourceId);
    this.taskManagerLost(resourceId, cause);
  }

  /** Deletes released blocking partitions (or the job's whole directory) on the distributed file system. */
  private async deleteDfsPartitions(directories: string[]): Promise<void> {
    for (const dir of directories) {
      try {
        const { fs } = await fileSystemFor(dir, this.config);
        await fs.delete(dir, { recursive: true });
      } catch (error) {
        this.log.warn('could not delete blocking partitions on the distributed file system', { dir, error });
      }
    }
  }

  /** Fails every task that ran on a TaskManager that is gone. */
  private taskManagerLost(resourceId: string, cause: string): void {
    this.log.warn('TaskManager lost', { resourceId, cause });
    this.lostTaskManagers.add(resourceId);
    const error = new SpindleError(`TaskManager ${resourceId} is lost: ${cause}.`, {
      code: 'TASK_MANAGER_LOST',
      recoverability: 'environment',
    });
    // Its blocking partitions are gone with it, and its slots: pending regions ask for others.
    this.partitions.taskManagerLost(resourceId);
    if (this.strategy.lazy) this.slotPool.releaseSlotsOf(new Set([resourceId]));
    for (const e of this.graph.executions) {
      if (e.slot?.resourceId !== resourceId || e.isTerminal) continue;
      void this.updateTaskExecutionState({
        jobId: this.jobId,
        executionAttemptId: e.attemptId,
        state: 'FAILED',
        failure: serializeError(error),
      });
    }
    if (this.strategy.lazy && this.graph.status === 'RUNNING') {
      this.failover.onPartitionsLost(serializeError(error));
      this.requestMissingSlots();
    }
  }

  /** A plain-data copy of the job as it is now (Flink's ArchivedExecutionGraph), for REST and the job store. */
  archive(): ArchivedJob {
    return archiveJob(this.graph, this.exceptions, this.slotWait(), {
      numRestarts: this.failover.numRestarts,
      restartStrategy: this.failover.restartStrategy.description,
      ...(this.checkpoints ? { checkpoints: this.checkpoints.stats.snapshot(), checkpointConfig: { ...this.checkpoints.config } } : {}),
    });
  }

  cancel(): void {
    const status = this.graph.status;
    this.checkpoints?.stopScheduler('the job is cancelled');
    this.failover.stop();
    if (status === 'RESTARTING') {
      // Its tasks are being cancelled already; a restart that is due does not happen.
      this.graph.transitionTo('CANCELED');
      this.terminate();
    } else if (status === 'CREATED') {
      this.graph.transitionTo('CANCELED');
      this.terminate();
    } else if (status === 'RUNNING' || status === 'FAILING') {
      this.graph.transitionTo('CANCELLING');
      this.cancelRunning();
      this.checkTermination();
    }
  }

  private sharingKey(e: Execution): string {
    return `${e.vertex.slotSharingGroup}#${e.subtaskIndex}`;
  }

  taskName(e: Execution): string {
    return `${e.vertex.name} (${e.subtaskIndex + 1}/${e.vertex.parallelism})`;
  }

  private onSlotTimeout(needed: number): void {
    if (this.graph.status !== 'RUNNING' || !this.waitsForSlots || this.slotPool.isComplete()) return;
    const missing = this.slotPool.pendingAllocations();
    const error = new SpindleError(
      `Could not acquire the minimum required resources: the job needs ${needed} slots and ${missing.length} ` +
        `of them were not available within ${this.slotTimeoutMs()} ms (slot.request.timeout). Start more TaskManagers, ` +
        'give them more slots (taskmanager.numberOfTaskSlots), or lower the parallelism.',
      { code: 'NO_RESOURCE_AVAILABLE', recoverability: 'environment', userFacing: true },
    );
    error.name = 'NoResourceAvailableException';
    this.failWaitingForSlots(error);
  }

  private failWaitingForSlots(error: SpindleError): void {
    if (this.graph.status !== 'RUNNING' || !this.waitsForSlots) return;
    for (const a of this.slotPool.pendingAllocations()) void this.resourceManager.cancelSlotRequest(a).catch(() => undefined);
    this.failJob(serializeError(error), null);
  }

  private deploy(e: Execution): void {
    e.transitionTo('DEPLOYING');
    const slot = e.slot!;
    const tdd: TaskDeploymentDescriptor = {
      jobId: this.jobId,
      jobName: this.jobGraph.name,
      executionAttemptId: e.attemptId,
      allocationId: slot.allocationId,
      vertexId: e.vertex.id,
      subtaskIndex: e.subtaskIndex,
      attemptNumber: e.attemptNumber,
      jobGraph: this.jobGraph,
      artifact: this.artifact,
      inputGates: this.graph.inputGates(e),
      producedPartitions: this.graph.producedPartitions(e),
      config: this.config.toMap(),
    };
    const restore = this.restorePlan?.get(restoreKey(e.vertex.id, e.subtaskIndex));
    if (restore) tdd.restore = restore;
    const te = this.rpc.connect<TaskExecutorGateway>(slot.taskExecutorAddress);
    te.submitTask(tdd).catch((error: unknown) => {
      // A TaskManager that cannot be reached at all is gone (killed before its heartbeats stopped
      // counting): every task there fails with it, and its slots are requested anew on restart.
      if (error instanceof SpindleError && error.code === 'RPC_UNREACHABLE' && this.heartbeats.isMonitored(slot.resourceId)) {
        return this.taskManagerGone(slot.resourceId, `it cannot be reached (${error.message})`);
      }
      void this.updateTaskExecutionState({
        jobId: this.jobId,
        executionAttemptId: e.attemptId,
        state: 'FAILED',
        failure: serializeError(error),
      });
    });
  }

  private coordinatorContext() {
    const gateway = (e: Execution) => this.rpc.connect<TaskExecutorGateway>(e.slot!.taskExecutorAddress);
    return {
      executions: () => this.graph.executions,
      producersOf: (e: Execution) => this.graph.producersOf(e),
      triggerTask: (e: Execution, trigger: CheckpointTriggerSpec) => gateway(e).triggerCheckpoint(e.attemptId, trigger),
      confirmTask: (e: Execution, checkpointId: number) => {
        if (!e.isTerminal)
          void gateway(e)
            .confirmCheckpoint(e.attemptId, checkpointId)
            .catch(() => undefined);
      },
      abortTask: (e: Execution, checkpointId: number) => {
        if (!e.isTerminal)
          void gateway(e)
            .abortCheckpoint(e.attemptId, checkpointId)
            .catch(() => undefined);
      },
      failJob: (error: SpindleError) => this.failover.onFailure(serializeError(error), null),
    };
  }

  private failoverHost() {
    return {
      jobGraph: this.jobGraph,
      graph: this.graph,
      checkpoints: this.checkpoints,
      log: this.log,
      clock: this.scheduler,
      taskName: (e: Execution) => this.taskName(e),
      recordException: (failure: SerializedFailure, e: Execution | null) => this.recordException(failure, e),
      failJob: (failure: SerializedFailure, e: Execution | null) => this.failJob(failure, e),
      initialPlan: () => this.initialPlan,
      cancelExecutions: (executions: Iterable<Execution>) => this.cancelExecutions(executions),
      redeployAll: (plan: RestorePlan) => this.redeployAll(plan),
      redeploy: (executions: Execution[], plan: RestorePlan) => {
        this.restorePlan = plan;
        for (const group of this.strategy.restart(new Set(executions.map((e) => e.key)))) this.scheduleGroup(group);
        this.partitions.releaseUnneeded();
        this.releaseIdleSlots();
      },
      lazy: this.strategy.lazy,
      partitions: this.partitions,
    };
  }

  /**
   * Restart-all: new attempts of every subtask, in the slots still held (slots of lost
   * TaskManagers are requested again), each restoring its share of `plan`.
   */
  private redeployAll(plan: RestorePlan): void {
    this.restorePlan = plan;
    this.graph.restartVertices();
    this.graph.transitionTo('CREATED');
    this.graph.transitionTo('RUNNING');
    this.pendingGroups = [];
    const lost = this.slotPool.releaseSlotsOf(this.lostTaskManagers);
    this.lostTaskManagers.clear();
    for (const group of this.strategy.restart(new Set(this.graph.executions.map((e) => e.key)))) this.scheduleGroup(group);
    this.partitions.releaseUnneeded();
    this.releaseIdleSlots();
    if (!this.waitsForSlots || this.strategy.lazy) return;
    clearTimeout(this.slotTimer);
    this.slotTimer = setTimeout(() => this.onSlotTimeout(lost.length), this.slotTimeoutMs());
  }

  private failJob(failure: SerializedFailure, e: Execution | null): void {
    this.recordException(failure, e);
    this.failure ??= failure;
    const status = this.graph.status;
    this.checkpoints?.stopScheduler('the job fails');
    this.failover.stop();
    if (status === 'RESTARTING') {
      this.graph.transitionTo('FAILED');
      this.terminate();
    } else if (status === 'CREATED' || status === 'RUNNING') {
      this.graph.transitionTo(status === 'CREATED' ? 'FAILED' : 'FAILING');
      if (status === 'CREATED') this.terminate();
      else {
        this.cancelRunning();
        this.checkTermination();
      }
    }
  }

  private recordException(failure: SerializedFailure, e: Execution | null): void {
    // One rendering for REST and the CLI: the user's error, its causes and the job's frames.
    const rendered = renderFailure(failure);
    this.exceptions.push({
      exceptionName: rendered.exceptionName,
      message: failure.message,
      stacktrace: rendered.stacktrace,
      timestamp: Date.now(),
      taskName: e ? this.taskName(e) : null,
      location: e?.slot?.resourceId ?? null,
      failover: this.failover.numRestarts,
    });
  }

  private cancelRunning(): void {
    this.cancelExecutions(this.graph.executions);
  }

  private cancelExecutions(executions: Iterable<Execution>): void {
    for (const e of executions) {
      if (e.isTerminal || e.state === 'CANCELING') continue;
      if (e.state === 'CREATED' || e.state === 'SCHEDULED') {
        e.transitionTo('CANCELED');
        continue;
      }
      e.transitionTo('CANCELING');
      this.sendCancel(e);
    }
  }

  private sendCancel(e: Execution): void {
    void this.rpc
      .connect<TaskExecutorGateway>(e.slot!.taskExecutorAddress)
      .cancelTask(e.attemptId)
      .catch(() => undefined);
  }

  private checkTermination(): void {
    const status = this.graph.status;
    if (status === 'RUNNING' && (this.stopping ? this.graph.allTerminal() : this.graph.allFinished())) this.graph.transitionTo('FINISHED');
    else if (status === 'FAILING' && this.graph.allTerminal()) this.graph.transitionTo('FAILED');
    else if (status === 'CANCELLING' && this.graph.allTerminal()) this.graph.transitionTo('CANCELED');
    else {
      this.failover.onExecutionTerminal();
      return this.releaseIdleSlots();
    }
    this.terminate();
  }

  private terminate(): void {
    clearTimeout(this.slotTimer);
    clearTimeout(this.slotWaitTimer);
    this.failover.stop();
    const checkpoints = this.checkpoints;
    if (checkpoints) void checkpoints.shutdown(discardOnJobEnd(checkpoints.config.retention, this.graph.status));
    this.heartbeats.stop();
    this.partitions.releaseAll();
    for (const a of this.slotPool.pendingAllocations()) void this.resourceManager.cancelSlotRequest(a).catch(() => undefined);
    for (const slot of this.slotPool.releaseAll()) {
      const te = this.rpc.connect<TaskExecutorGateway>(slot.taskExecutorAddress);
      void te.freeSlot(slot.allocationId, `job ${this.graph.status}`).catch(() => undefined);
    }
    this.rpc.unregister(this.address);
    const status = this.graph.status as JobExecutionResultSpec['status'];
    const ts = this.graph.timestamps;
    const result: JobExecutionResultSpec = {
      jobId: this.jobId,
      jobName: this.jobGraph.name,
      status,
      netRuntimeMs: (ts[status] ?? Date.now()) - (ts.CREATED ?? Date.now()),
      accumulators: mergeAccumulators(this.graph.executions),
    };
    if (this.failure && status === 'FAILED') result.failure = this.failure;
    this.log.info('job terminated', { status, runtimeMs: result.netRuntimeMs });
    this.resultResolve(result);
  }
}
