import { QueuedLinkEnd } from '../channel-link.js';

/** A link end whose peer is across a socket: the two ends never share segments. */
export abstract class TcpLinkEnd<Out, In> extends QueuedLinkEnd<Out, In> {
  readonly sameThread = false;
}
