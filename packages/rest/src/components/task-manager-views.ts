import type { ResourceOverview } from '@spindle/runtime';
import type { TaskManagerDetails, TaskManagerInfo } from '../cluster-view.js';

type RegisteredTaskManager = ResourceOverview['taskManagers'][number];

/** What `/taskmanagers` shows of a registered TaskManager; `lastHeartbeat` is when its last one arrived. */
export function taskManagerInfo(tm: RegisteredTaskManager, lastHeartbeat: number): TaskManagerInfo {
  return {
    id: tm.resourceId,
    address: tm.address,
    dataPort: tm.dataPort,
    jmxPort: -1,
    lastHeartbeat,
    slotsNumber: tm.numberOfSlots,
    freeSlots: tm.freeSlots,
    hardware: {
      cpuCores: tm.hardware.cpuCores,
      physicalMemory: tm.hardware.physicalMemory,
      freeMemory: tm.status?.freeMemory ?? 0,
      managedMemory: 0,
    },
  };
}

/** `/taskmanagers/:id`: the info, the slots allocated on it, its last status and its Prometheus port. */
export function taskManagerDetails(
  info: TaskManagerInfo,
  tm: RegisteredTaskManager,
  allocated: ReadonlyArray<{ resourceId: string; slotIndex: number; jobId: string }>,
): TaskManagerDetails {
  return {
    ...info,
    allocatedSlots: allocated.filter((s) => s.resourceId === tm.resourceId).map((s) => ({ jobId: s.jobId, slotIndex: s.slotIndex })),
    ...(tm.status ? { status: tm.status } : {}),
    ...(tm.metricsPort !== undefined ? { metricsPort: tm.metricsPort } : {}),
  };
}
