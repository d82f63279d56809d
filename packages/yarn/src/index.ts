export { YarnError, HadoopRemoteError, type YarnErrorCode } from './errors.js';
export { HADOOP_PROTO_DIR } from './proto.js';
export * from './records.js';
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
