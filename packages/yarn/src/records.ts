/**
 * YARN ids as they cross the wire (the proto shapes) and as people read them (the strings in the
 * RM REST API and in logs): application_<ts>_<seq>, appattempt_<ts>_<seq>_<attempt>,
 * container_[e<epoch>_]<ts>_<seq>_<attempt>_<id>.
 */
export interface ApplicationIdProto {
  id?: number;
  cluster_timestamp?: number;
}

export interface ApplicationAttemptIdProto {
  application_id?: ApplicationIdProto;
  attemptId?: number;
}

/** Kept exactly as the RM sent it: release and stop echo it unchanged. */
export interface ContainerIdProto {
  app_id?: ApplicationIdProto;
  app_attempt_id?: ApplicationAttemptIdProto;
  id?: number;
}

export interface ResourceProto {
  memory?: number;
  virtual_cores?: number;
}

export interface NodeIdProto {
  host?: string;
  port?: number;
}

export function applicationIdString(a: ApplicationIdProto | undefined): string {
  return `application_${a?.cluster_timestamp ?? 0}_${pad(a?.id ?? 0, 4)}`;
}

export function attemptIdString(a: ApplicationAttemptIdProto | undefined): string {
  const app = a?.application_id;
  return `appattempt_${app?.cluster_timestamp ?? 0}_${pad(app?.id ?? 0, 4)}_${pad(a?.attemptId ?? 0, 6)}`;
}

const SEQ_BITS = 40;

export function containerIdString(c: ContainerIdProto): string {
  const attempt = c.app_attempt_id;
  const app = attempt?.application_id ?? c.app_id;
  const id = BigInt(c.id ?? 0);
  const epoch = id >> BigInt(SEQ_BITS);
  const seq = id & ((1n << BigInt(SEQ_BITS)) - 1n);
  const epochPart = epoch > 0n ? `e${pad(Number(epoch), 2)}_` : '';
  return `container_${epochPart}${app?.cluster_timestamp ?? 0}_${pad(app?.id ?? 0, 4)}_${pad(attempt?.attemptId ?? 0, 2)}_${pad(Number(seq), 6)}`;
}

/** Parses either container id form; the result carries `app_attempt_id` and `id` as Hadoop writes them. */
export function parseContainerId(s: string): ContainerIdProto {
  const m = /^container_(?:e(\d+)_)?(\d+)_(\d+)_(\d+)_(\d+)$/.exec(s);
  if (m === null) throw new Error(`not a container id: ${s}`);
  const epoch = BigInt(m[1] ?? '0');
  const id = Number((epoch << BigInt(SEQ_BITS)) | BigInt(m[5]!));
  return {
    app_attempt_id: { application_id: { id: Number(m[3]), cluster_timestamp: Number(m[2]) }, attemptId: Number(m[4]) },
    id,
  };
}

export function nodeIdString(n: NodeIdProto | undefined): string {
  return `${n?.host ?? ''}:${n?.port ?? 0}`;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}
