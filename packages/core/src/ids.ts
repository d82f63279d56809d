import { randomBytes } from 'node:crypto';
import { SpindleError } from './errors.js';

/** A nominal type: a `K` that only code going through the matching factory produces. */
export type Brand<K, T extends string> = K & { readonly __brand: T };

export type JobId = Brand<string, 'JobId'>;
export type JobVertexId = Brand<string, 'JobVertexId'>;
export type ExecutionAttemptId = Brand<string, 'ExecutionAttemptId'>;
export type AllocationId = Brand<string, 'AllocationId'>;
export type ResourceId = Brand<string, 'ResourceId'>;
export type IntermediateDataSetId = Brand<string, 'IntermediateDataSetId'>;
export type SlotRequestId = Brand<string, 'SlotRequestId'>;
export type OperatorId = Brand<string, 'OperatorId'>;
export type TriggerId = Brand<string, 'TriggerId'>;

export interface IdFactory<T extends string> {
  /** A new random id. */
  generate(): T;
  /** Validates untrusted input (CLI arguments, REST paths); throws a user-facing SpindleError. */
  parse(s: string): T;
  isValid(s: string): boolean;
  /** Unchecked cast, for values that are already known to be valid. */
  of(s: string): T;
}

const HEX_ID = /^[0-9a-f]{32}$/;

/** 32 lowercase hexadecimal characters (128 random bits), the format of Flink's ids. */
export function randomHexId(): string {
  return randomBytes(16).toString('hex');
}

function isHexId(s: string): boolean {
  return HEX_ID.test(s);
}

/** 'ExecutionAttemptId' → 'execution attempt id'. */
function describeIdType(typeName: string): string {
  return typeName.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

export interface IdFactoryOptions {
  validate?: (s: string) => boolean;
  expected?: string;
}

export function idFactory<T extends string>(typeName: string, opts: IdFactoryOptions = {}): IdFactory<T> {
  const validate = opts.validate ?? isHexId;
  const expected = opts.expected ?? 'expected 32 hexadecimal characters';
  const label = describeIdType(typeName);
  return {
    generate: () => randomHexId() as T,
    parse(s: string): T {
      if (!validate(s)) {
        throw new SpindleError(`'${s}' is not a valid ${label}: ${expected}`, {
          code: 'INVALID_ID',
          recoverability: 'non-recoverable',
          userFacing: true,
        });
      }
      return s as T;
    },
    isValid: (s: string) => validate(s),
    of: (s: string) => s as T,
  };
}

export const JobId = idFactory<JobId>('JobId');
export const JobVertexId = idFactory<JobVertexId>('JobVertexId');
export const ExecutionAttemptId = idFactory<ExecutionAttemptId>('ExecutionAttemptId');
export const AllocationId = idFactory<AllocationId>('AllocationId');
/** Resource ids may be YARN container ids or host names, so any non-empty string is accepted. */
export const ResourceId = idFactory<ResourceId>('ResourceId', {
  validate: (s) => typeof s === 'string' && s.length > 0,
  expected: 'expected a non-empty string',
});
export const IntermediateDataSetId = idFactory<IntermediateDataSetId>('IntermediateDataSetId');
export const SlotRequestId = idFactory<SlotRequestId>('SlotRequestId');
export const OperatorId = idFactory<OperatorId>('OperatorId');
export const TriggerId = idFactory<TriggerId>('TriggerId');
