/**
 * Cuts a byte stream into text lines. Each line keeps its '\n' so that concatenating the
 * lines gives back the stream exactly (what the output topic promises); multi-byte UTF-8
 * characters split across chunks are reassembled.
 */
import { StringDecoder } from 'node:string_decoder';

export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: Buffer): void {
    const text = this.partial + this.decoder.write(chunk);
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      this.onLine(text.slice(start, nl + 1));
      start = nl + 1;
    }
    this.partial = text.slice(start);
  }

  /** At end of stream: the last line, if it had no newline. */
  end(): void {
    const rest = this.partial + this.decoder.end();
    this.partial = '';
    if (rest !== '') this.onLine(rest);
  }
}
