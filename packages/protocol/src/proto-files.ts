import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The directory of the gateways' .proto files, shipped with this package. */
export const PROTO_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'proto');

/** Gateway name → proto file and service name. */
export const GATEWAY_SERVICES = {
  resourcemanager: { file: 'resource_manager.proto', service: 'ResourceManagerGateway' },
  jobmaster: { file: 'job_master.proto', service: 'JobMasterGateway' },
  taskexecutor: { file: 'task_executor.proto', service: 'TaskExecutorGateway' },
  dispatcher: { file: 'dispatcher.proto', service: 'DispatcherGateway' },
} as const;

export type GatewayKind = keyof typeof GATEWAY_SERVICES;

/** The service that streams job bundles from the JobManager to TaskManagers. */
export const BLOB_SERVICE = { file: 'blob.proto', service: 'BlobService' } as const;
