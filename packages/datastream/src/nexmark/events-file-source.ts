import type { LineScan } from '../sources/line-reader.js';
import { TextFileSource } from '../sources/text-file-source.js';
import { parseEvent } from './events-file.js';

const SCANNER = new URL('./events-scan.js', import.meta.url).href;

/**
 * Nexmark events from files of formatEvent lines: a text file source whose lines are parsed as
 * events (parseEvent). Local files are scanned on the source's reader thread (events-scan.ts):
 * the bids come over as numbers and offsets, and the task's thread only builds their objects;
 * every other line is parsed by parseEvent. The events and errors are those of parseEvent.
 */
export class NexmarkEventsFileSource extends TextFileSource {
  protected override emitLine(line: string): void {
    this.out.collect(parseEvent(line));
  }

  protected override lineScanner(): string {
    return SCANNER;
  }

  protected override emitPiece(text: string, scan: LineScan | undefined): void {
    if (scan === undefined) return super.emitPiece(text, scan);
    const { ints, numbers } = scan;
    const out = this.out;
    for (let j = 0; j < ints.length; j += 4) {
      if (ints[j] === 1) {
        out.collect({
          type: 'bid',
          bid: {
            auction: numbers[j]!,
            bidder: numbers[j + 1]!,
            price: numbers[j + 2]!,
            dateTime: numbers[j + 3]!,
            extra: text.slice(ints[j + 3], ints[j + 2]),
          },
        });
      } else out.collect(parseEvent(text.slice(ints[j + 1], ints[j + 2])));
    }
  }
}
