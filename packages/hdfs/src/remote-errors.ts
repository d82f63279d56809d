import { AccessDeniedError, FileAlreadyExistsError, FileNotFoundError, FileSystemError } from '@spindle/core';

/** The body of a WebHDFS error: `{"RemoteException": {"exception", "javaClassName", "message"}}`. */
export interface RemoteException {
  readonly exception: string;
  readonly javaClassName?: string;
  readonly message?: string;
}

/**
 * What the client does with an answer that is an error: fail over to another NameNode (this one is
 * standby), try again later (the NameNode asks for it), or fail with a typed error.
 */
export type RemoteExceptionClass = 'standby' | 'retriable' | 'fail';

/** Exceptions of the NameNode that mean "not now, ask again": the request was not carried out. */
const RETRIABLE = new Set(['RetriableException', 'RecoveryInProgressException', 'AlreadyBeingCreatedException']);

export function classifyRemoteException(e: RemoteException | undefined): RemoteExceptionClass {
  if (e === undefined) return 'fail';
  if (e.exception === 'StandbyException' || e.exception === 'ObserverRetryOnActiveException') return 'standby';
  if (RETRIABLE.has(e.exception)) return 'retriable';
  return 'fail';
}

/** Parses an error body; undefined when it is not a WebHDFS RemoteException (a proxy's page, say). */
export function parseRemoteException(body: string): RemoteException | undefined {
  try {
    const parsed = JSON.parse(body) as { RemoteException?: Partial<RemoteException> };
    const r = parsed.RemoteException;
    if (r === undefined || typeof r.exception !== 'string') return undefined;
    return {
      exception: r.exception,
      ...(typeof r.javaClassName === 'string' ? { javaClassName: r.javaClassName } : {}),
      ...(typeof r.message === 'string' ? { message: r.message } : {}),
    };
  } catch {
    return undefined;
  }
}

/** What the error message needs to know about the request. */
export interface FailedRequest {
  /** The path as the user wrote it (`hdfs:///data/in`). */
  readonly path: string;
  /** The WebHDFS operation, e.g. `CREATE`. */
  readonly op: string;
  readonly user: string;
  /** The HTTP address that answered. */
  readonly address: string;
}

/**
 * The port's typed error for a WebHDFS error answer, naming the path and what to do. Classes are
 * matched by the exception's simple name (what WebHDFS sends as `exception`), never by message.
 */
export function remoteError(req: FailedRequest, status: number, remote: RemoteException | undefined, body: string): FileSystemError {
  const server = remote?.message === undefined ? '' : ` (${remote.exception}: ${remote.message})`;
  switch (remote?.exception) {
    case 'FileNotFoundException':
      return new FileNotFoundError(req.path, `${req.path} does not exist: check the path${server}`);
    case 'AccessControlException':
    case 'AuthorizationException':
    case 'SecurityException':
      return new AccessDeniedError(
        req.path,
        `Permission denied on ${req.path} for HDFS user '${req.user}'${server}: check the owner and permissions of the path ` +
          `(hdfs dfs -ls), or act as another user with HADOOP_USER_NAME`,
      );
    case 'FileAlreadyExistsException':
      return new FileAlreadyExistsError(req.path, `${req.path} already exists: remove it or choose another path${server}`);
    case 'ParentNotDirectoryException':
      return new FileSystemError(
        'parent-not-directory',
        req.path,
        `${req.path}: a parent of this path is a file, not a directory${server}`,
      );
    case 'PathIsNotEmptyDirectoryException':
      return new FileSystemError(
        'directory-not-empty',
        req.path,
        `Cannot delete ${req.path}: the directory is not empty (delete recursively)`,
      );
    case 'SafeModeException':
      return new FileSystemError(
        'safe-mode',
        req.path,
        `Cannot ${req.op} ${req.path}: the NameNode at ${req.address} is in safe mode; wait until it leaves safe mode ` +
          `(hdfs dfsadmin -safemode get)${server}`,
      );
    case 'StandbyException':
      return new FileSystemError(
        'standby',
        req.path,
        `Cannot ${req.op} ${req.path}: no NameNode is active, ${req.address} is standby${server}`,
      );
    default:
      return otherError(req, status, remote, body);
  }
}

function otherError(req: FailedRequest, status: number, remote: RemoteException | undefined, body: string): FileSystemError {
  if (remote !== undefined) {
    return new FileSystemError('io', req.path, `HDFS could not ${req.op} ${req.path}: ${remote.exception}: ${remote.message ?? ''}`);
  }
  if (status === 404) {
    return new FileSystemError(
      'unreachable',
      req.path,
      `Cannot ${req.op} ${req.path}: ${req.address} answered 404 without a WebHDFS error: is it the HTTP address of a NameNode ` +
        `with WebHDFS enabled (dfs.webhdfs.enabled)? Check fs.defaultFS and dfs.namenode.http-address in HADOOP_CONF_DIR`,
    );
  }
  const excerpt = body.replace(/\s+/g, ' ').trim().slice(0, 200);
  return new FileSystemError('io', req.path, `HDFS could not ${req.op} ${req.path}: ${req.address} answered HTTP ${status} ${excerpt}`);
}
