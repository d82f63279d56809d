export { YarnError, HadoopRemoteError, type YarnErrorCode } from './errors.js';
export { RmRestClient, logContents, type RmRestClientOptions } from './rm-rest-client.js';
export type * from './rm-rest-types.js';
export { yarnAddresses, type YarnAddresses } from './yarn-configuration.js';
export { HADOOP_PROTO_DIR } from './proto.js';
export * from './records.js';
export { HadoopRpcConnection, type ProtocolInfo, type RpcConnectionOptions } from './rpc/connection.js';
export { HadoopRpcConnectionPool, type ConnectionPoolOptions } from './rpc/connection-pool.js';
export {
  parseTokenStorage,
  readTokenFile,
  serializeTokenStorage,
  findToken,
  toToken,
  TOKEN_KIND,
  type Credentials,
  type HadoopToken,
  type TokenStorageFormat,
} from './tokens/credentials.js';
export * from './tokens/identifiers.js';
export * from './protocols/application-master-client.js';
export * from './protocols/container-management-client.js';
export * from './protocols/yarn-records.js';
export { YarnOptions } from './yarn-options.js';
export * from './driver/yarn-resource-driver.js';
export * from './session/yarn-cluster-descriptor.js';
export * from './session/properties-file.js';
export { shellQuote } from './session/shell-quote.js';
export * from './session/staging.js';
export * from './session/engine-archive.js';
export * from './session/oozie.js';
