/**
 * Decoding of the token identifiers YARN hands out (raw proto bytes), enough to name what a token
 * is for, and the SASL identity any token yields: username base64(identifier), password
 * base64(password) (standard alphabet, padded), as Hadoop's SaslRpcClient builds them.
 */
import { decodeMessage } from '../proto.js';
import type { ApplicationAttemptIdProto, ContainerIdProto, NodeIdProto, ResourceProto } from '../records.js';
import type { HadoopToken } from './credentials.js';

export interface AmRmTokenIdentifier {
  appAttemptId?: ApplicationAttemptIdProto;
  keyId?: number;
}

export interface NmTokenIdentifier {
  appAttemptId?: ApplicationAttemptIdProto;
  nodeId?: NodeIdProto;
  appSubmitter?: string;
  keyId?: number;
}

export interface ContainerTokenIdentifier {
  containerId?: ContainerIdProto;
  nmHostAddr?: string;
  appSubmitter?: string;
  resource?: ResourceProto;
  expiryTimeStamp?: number;
  masterKeyId?: number;
  rmIdentifier?: number;
  creationTime?: number;
}

export function decodeAmRmTokenIdentifier(token: HadoopToken): AmRmTokenIdentifier {
  return decodeMessage('hadoop.yarn.AMRMTokenIdentifierProto', token.identifier);
}

export function decodeNmTokenIdentifier(token: HadoopToken): NmTokenIdentifier {
  return decodeMessage('hadoop.yarn.NMTokenIdentifierProto', token.identifier);
}

export function decodeContainerTokenIdentifier(token: HadoopToken): ContainerTokenIdentifier {
  return decodeMessage('hadoop.yarn.ContainerTokenIdentifierProto', token.identifier);
}

export interface SaslIdentity {
  username: string;
  password: string;
}

export function saslIdentity(token: HadoopToken): SaslIdentity {
  return { username: token.identifier.toString('base64'), password: token.password.toString('base64') };
}
