import { DataInputDeserializer, type TypeSerializer } from '@spindle/core';
import { ElementTag, corruptTag, readBufferKind, readInt64Timestamp, readWatermarkStatus } from '../network/element-codec.js';
import type { InputChannel, InputGate } from '../network/input-gate.js';
import { Watermark, type RuntimeEvent } from '../network/stream-elements.js';
import type { MailboxProcessor } from './mailbox-processor.js';
import { isBoundedMultiInput, isInputSelectable, type StreamOperator } from './operator.js';
import { StatusWatermarkValve, type ValveOutput } from './status-watermark-valve.js';

/** Where the task input hands events and channel ends (the task's barrier handler). */
export interface InputEventHandler {
  onEvent(event: RuntimeEvent, gate: number, channel: number): void;
  onChannelEnd(gate: number, channel: number): void;
}

/** 'more': call again; 'nothing': no input now; 'end': every input ended. */
export type InputStatus = 'more' | 'nothing' | 'end';

interface CurrentBuffer {
  readonly data: Uint8Array;
  readonly channel: InputChannel;
  readonly serializer: TypeSerializer<unknown>;
  readonly inputIndex: number;
  /** The channel's index in the valve of its input. */
  readonly valveChannel: number;
  /** A RECORDS buffer: its elements are untagged records without timestamps. */
  readonly records: boolean;
}

/**
 * The input side of a task (Flink's StreamTaskNetworkInput, for all its gates): it takes
 * buffers from the gates in turn, decodes their stream elements and hands records to the head
 * operator, and watermarks and statuses to the valve of their input, which passes the combined
 * watermark on. Gates of the same logical input (a union) share one valve. A buffer is processed
 * element by element and left as soon as a mail waits, so mails wait at most one element.
 * Events (checkpoint barriers) and channel ends go to `events`. When the last channel of a logical input ends,
 * a head that is a BoundedMultiInput hears `endInput(inputIndex)`; a head that is InputSelectable
 * has only the gates of the input it selects read.
 */
export class StreamTaskInput {
  private readonly valves = new Map<number, { valve: StatusWatermarkValve; output: ValveOutput }>();
  /** Per gate: the index of its first channel in its input's valve. */
  private readonly channelOffsets: number[] = [];
  private readonly input = new DataInputDeserializer();
  private current: CurrentBuffer | undefined;
  private nextGate = 0;
  recordsIn = 0;

  constructor(
    private readonly gates: InputGate[],
    private readonly serializers: TypeSerializer<unknown>[],
    private readonly head: StreamOperator,
    private readonly mailbox: MailboxProcessor,
    private readonly events: InputEventHandler,
    /** By logical input: whether its records go through `head.setKeyContextElement` first (keyBy inputs). */
    private readonly keyedInputs: readonly boolean[] = [],
  ) {
    const channelsPerInput = new Map<number, number>();
    for (const gate of gates) {
      const offset = channelsPerInput.get(gate.inputIndex) ?? 0;
      this.channelOffsets.push(offset);
      channelsPerInput.set(gate.inputIndex, offset + gate.channels.length);
    }
    for (const [inputIndex, n] of channelsPerInput) {
      const output: ValveOutput = {
        emitWatermark: (mark) => head.processWatermark(mark, inputIndex),
        emitWatermarkStatus: (status) => head.processWatermarkStatus(status, inputIndex),
      };
      this.valves.set(inputIndex, { valve: new StatusWatermarkValve(n), output });
    }
  }

  /** Total channels over all gates (for counting barriers). */
  get numberOfChannels(): number {
    let n = 0;
    for (const g of this.gates) n += g.channels.length;
    return n;
  }

  /** How many logical inputs the head has. */
  get numberOfInputs(): number {
    return this.valves.size;
  }

  /** The lowest combined watermark over the inputs (Flink's task-level `currentInputWatermark`). */
  get currentInputWatermark(): Watermark {
    let min: number = Watermark.MAX;
    for (const { valve } of this.valves.values()) min = Math.min(min, valve.currentWatermark);
    return this.valves.size === 0 ? Watermark.MIN : min;
  }

  /** Processes the elements of (the rest of) one buffer, or one event. */
  emitNext(): InputStatus {
    if (this.current === undefined && !this.pollNext()) return this.gates.every((g) => g.isFinished()) ? 'end' : 'nothing';
    if (this.current !== undefined) this.processCurrent();
    return 'more';
  }

  private pollNext(): boolean {
    const n = this.gates.length;
    const selected = this.selectedInput();
    for (let k = 0; k < n; k++) {
      const i = (this.nextGate + k) % n;
      const gate = this.gates[i]!;
      if (!gate.hasData() || (selected !== undefined && gate.inputIndex !== selected)) continue;
      this.nextGate = (i + 1) % n;
      const { channel, data } = gate.poll()!;
      if (data instanceof Uint8Array) {
        this.input.setBuffer(data, 0, data.byteLength);
        this.current = {
          data,
          channel,
          serializer: this.serializers[i]!,
          inputIndex: gate.inputIndex,
          valveChannel: this.channelOffsets[i]! + channel.index,
          records: data.byteLength > 0 && readBufferKind(this.input),
        };
      } else if (data !== null) {
        this.events.onEvent(data, i, channel.index);
      } else {
        this.onChannelEnd(gate.inputIndex);
        this.events.onChannelEnd(i, channel.index);
      }
      return true;
    }
    return false;
  }

  /** The only input to read now, when the head selects one that has not ended. */
  private selectedInput(): number | undefined {
    if (!isInputSelectable(this.head)) return undefined;
    const selection = this.head.nextSelection();
    if (selection === 'ALL' || this.inputEnded(selection)) return undefined;
    return selection;
  }

  private inputEnded(inputIndex: number): boolean {
    return this.gates.every((g) => g.inputIndex !== inputIndex || g.isFinished());
  }

  /** A channel ended: when it was the last of its logical input, that input ended. */
  private onChannelEnd(inputIndex: number): void {
    if (!isBoundedMultiInput(this.head)) return;
    if (this.inputEnded(inputIndex)) this.head.endInput(inputIndex);
  }

  private processCurrent(): void {
    const cur = this.current!;
    const input = this.input;
    const head = this.head;
    const mailbox = this.mailbox;
    const { serializer, inputIndex } = cur;
    const keyed = this.keyedInputs[inputIndex] === true;
    let n = 0;
    try {
      if (cur.records) {
        while (input.available() > 0) {
          const value = serializer.deserialize(input);
          if (keyed) head.setKeyContextElement!(value, inputIndex);
          head.processElement(value, inputIndex);
          n++;
          if (mailbox.hasMail) return;
        }
      }
      while (input.available() > 0) {
        const tag = input.readByte();
        if (tag === ElementTag.RECORD) {
          const value = serializer.deserialize(input);
          if (keyed) head.setKeyContextElement!(value, inputIndex);
          head.processElement(value, inputIndex);
          n++;
        } else if (tag === ElementTag.TIMESTAMPED_RECORD) {
          const timestamp = readInt64Timestamp(input);
          const value = serializer.deserialize(input);
          if (keyed) head.setKeyContextElement!(value, inputIndex);
          head.processElement(value, inputIndex, timestamp);
          n++;
        } else {
          this.processEventElement(tag, cur);
        }
        if (mailbox.hasMail) return;
      }
    } finally {
      this.recordsIn += n;
    }
    this.current = undefined;
    cur.channel.recycle(cur.data);
  }

  private processEventElement(tag: number, cur: CurrentBuffer): void {
    const { valve, output } = this.valves.get(cur.inputIndex)!;
    if (tag === ElementTag.WATERMARK) valve.inputWatermark(readInt64Timestamp(this.input), cur.valveChannel, output);
    else if (tag === ElementTag.WATERMARK_STATUS) valve.inputWatermarkStatus(readWatermarkStatus(this.input), cur.valveChannel, output);
    else throw corruptTag(tag);
  }
}
