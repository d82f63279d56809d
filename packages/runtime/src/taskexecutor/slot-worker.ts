import { parentPort, workerData } from 'node:worker_threads';
import { SpindleError, configureLogging, getLogger, installSourceMappedStacks } from '@spindle/core';
import type { TaskDeploymentDescriptor } from '@spindle/protocol';
import { PortLink, type ConsumerLink, type ToConsumer, type ToProducer } from '../network/channel-link.js';
import { PartitionManager, partitionWaitEnded, type PartitionRouter } from '../network/partition-manager.js';
import { captureProgramJob } from '../program/program-loader.js';
import type { JobProgram } from '../program/program-context.js';
import { RuntimeSampler } from '../metrics/runtime-sampler.js';
import { TaskRunner } from './task-runner.js';
import type { FromSlotWorker, SlotWorkerData, ToSlotWorker } from './worker-protocol.js';

/**
 * Entry of a slot's worker thread: loads the job's bundle once, rebuilds the job's graph from
 * it, and runs the tasks placed in the slot. Partitions of other threads are reached through
 * the TaskExecutor, which hands out a MessageChannel per subpartition.
 */
const port = parentPort!;
const data = workerData as SlotWorkerData;
installSourceMappedStacks();
configureLogging({ format: process.env.SPINDLE_LOG_FORMAT === 'json' ? 'json' : 'human' });
const log = getLogger('slot-worker').child({ slot: data.slotIndex, jobId: data.jobId });

let nextRequest = 0;
const requests = new Map<number, (link: ConsumerLink | 'local') => void>();

function post(message: FromSlotWorker): void {
  port.postMessage(message);
}

const router: PartitionRouter = {
  announce: (partitionId) => post({ type: 'announce', partitionId }),
  withdraw: (partitionId) => post({ type: 'withdraw', partitionId }),
  announceBlocking: (partition) => post({ type: 'announce-blocking', partition }),
  request: (partitionId, subpartition, location, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(partitionWaitEnded(partitionId, 'the consumer was cancelled'));
        return;
      }
      const requestId = nextRequest++;
      // A cancelled consumer withdraws its request, so the hub keeps nothing for it.
      const onAbort = (): void => {
        requests.delete(requestId);
        post({ type: 'abandon', requestId });
        reject(partitionWaitEnded(partitionId, 'the consumer was cancelled'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      requests.set(requestId, (link) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(link);
      });
      post({ type: 'request', requestId, partitionId, subpartition, ...(location ? { location } : {}) });
    }),
};

const partitions = new PartitionManager(router, { directories: data.blockingDirectories });
let program: Promise<JobProgram> | undefined;

function loadProgram(tdd: TaskDeploymentDescriptor): Promise<JobProgram> {
  const { bundlePath, args, entryPoint } = tdd.artifact;
  // The thread runs this one program: its context needs no per-run tracking (exclusive).
  const options = { args, config: tdd.jobGraph.config, jobIndex: tdd.jobGraph.programJobIndex, mode: 'task' as const, exclusive: true };
  program ??= captureProgramJob(bundlePath, entryPoint === undefined ? options : { ...options, entryPoint }).then((request) => {
    if (request.jobGraph.graphHash !== tdd.jobGraph.graphHash)
      throw graphMismatch(
        tdd,
        request.jobGraph.vertices.map((v) => v.name),
      );
    return request.program;
  });
  return program;
}

function graphMismatch(tdd: TaskDeploymentDescriptor, rebuilt: string[]): SpindleError {
  const expected = tdd.jobGraph.vertices.map((v) => v.name);
  return new SpindleError(
    `The job's main built a different dataflow graph on this TaskManager than on the client ` +
      `(client: [${expected.join(', ')}]; here: [${rebuilt.join(', ')}]). The program must build the same ` +
      'graph every time it runs: do not derive operators, their order or parallelism from random values, the ' +
      'clock or the machine it runs on, or give operators stable ids with uid().',
    { code: 'GRAPH_MISMATCH', userFacing: true, recoverability: 'non-recoverable' },
  );
}

const runner = new TaskRunner(partitions, loadProgram, data.managedMemory);
// This thread's heap, event-loop lag and collections, reported with the task metrics.
const sampler = new RuntimeSampler();

port.on('message', (m: ToSlotWorker) => {
  switch (m.type) {
    case 'deploy': {
      const executionAttemptId = m.tdd.executionAttemptId;
      runner.deploy(m.tdd, (state) => post({ type: 'state', state }), {
        acknowledge: (checkpointId, ack) => post({ type: 'checkpoint-ack', executionAttemptId, checkpointId, ack }),
        decline: (checkpointId, failure) => post({ type: 'checkpoint-decline', executionAttemptId, checkpointId, failure }),
      });
      break;
    }
    case 'trigger-checkpoint':
      runner.triggerCheckpoint(m.executionAttemptId, m.trigger);
      break;
    case 'checkpoint-complete':
      runner.notifyCheckpointComplete(m.executionAttemptId, m.checkpointId);
      break;
    case 'checkpoint-aborted':
      runner.notifyCheckpointAborted(m.executionAttemptId, m.checkpointId);
      break;
    case 'cancel':
      runner.cancel(m.executionAttemptId);
      break;
    case 'metrics':
      post({ type: 'metrics', requestId: m.requestId, metrics: runner.metrics(), thread: sampler.thread() });
      break;
    case 'serve':
      partitions.servePartition(m.partitionId, m.subpartition, new PortLink<ToConsumer, ToProducer>(m.port));
      break;
    case 'connected': {
      const resolve = requests.get(m.requestId);
      requests.delete(m.requestId);
      resolve?.(m.port ? new PortLink<ToProducer, ToConsumer>(m.port) : 'local');
      break;
    }
  }
});

process.on('unhandledRejection', (reason) => {
  log.error('unhandled rejection in slot worker', { error: reason });
});
