// Turns a byte stream (a worker's stdout or stderr) into whole text lines.

import { StringDecoder } from 'node:string_decoder';

/**
 * Feeds chunks in with `push`, gets each complete line (without its "\n" or "\r\n") through `onLine`;
 * `end` delivers a last unterminated line. UTF-8 sequences split across chunks are decoded whole.
 * A line longer than `maxLineChars` is delivered in pieces of that size, so a worker printing without
 * newlines cannot grow the launcher's memory without bound.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';

  constructor(private readonly onLine: (line: string) => void, private readonly maxLineChars = 1 << 20) {}

  push(chunk: Buffer | string): void {
    this.pending += typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    let start = 0;
    for (let nl = this.pending.indexOf('\n', start); nl !== -1; nl = this.pending.indexOf('\n', start)) {
      const end = nl > start && this.pending.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      this.onLine(this.pending.slice(start, end));
      start = nl + 1;
    }
    this.pending = this.pending.slice(start);
    while (this.pending.length >= this.maxLineChars) {
      this.onLine(this.pending.slice(0, this.maxLineChars));
      this.pending = this.pending.slice(this.maxLineChars);
    }
  }

  end(): void {
    this.pending += this.decoder.end();
    if (this.pending.length > 0) this.onLine(this.pending);
    this.pending = '';
  }
}
