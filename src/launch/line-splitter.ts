// Turns a byte stream (a worker's stdout or stderr) into whole text lines.

import { StringDecoder } from 'node:string_decoder';

/**
 * Feeds chunks in with `push`, gets each complete line (without its "\n" or "\r\n") through `onLine`;
 * `end` delivers a last unterminated line. UTF-8 sequences split across chunks are decoded whole.
 * A line longer than `maxLineChars` is delivered in pieces of that size (the same pieces however the bytes
 * were chunked), so a worker printing without
 * newlines cannot grow the launcher's memory without bound; every piece of such a line comes with
 * `cut` true, so that no reader mistakes its first piece for a whole (tagged) line.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';
  /** The line being collected has already been delivered in part. */
  private cutting = false;

  constructor(private readonly onLine: (line: string, cut: boolean) => void, private readonly maxLineChars = 1 << 20) {}

  push(chunk: Buffer | string): void {
    this.pending += typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    let start = 0;
    for (let nl = this.pending.indexOf('\n', start); nl !== -1; nl = this.pending.indexOf('\n', start)) {
      const end = nl > start && this.pending.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      this.deliver(this.pending.slice(start, end), end - start > this.maxLineChars);
      this.cutting = false;
      start = nl + 1;
    }
    this.pending = this.pending.slice(start);
    while (this.pending.length > this.maxLineChars) {
      this.deliver(this.pending.slice(0, this.maxLineChars), true);
      this.cutting = true;
      this.pending = this.pending.slice(this.maxLineChars);
    }
  }

  end(): void {
    this.pending += this.decoder.end();
    if (this.pending.length > 0) this.deliver(this.pending, false);
    this.pending = '';
    this.cutting = false;
  }

  /** A line that arrived whole in one push but is still too long goes out in pieces too. */
  private deliver(line: string, tooLong: boolean): void {
    const cut = this.cutting || tooLong;
    if (!tooLong) return this.onLine(line, cut);
    for (let i = 0; i < line.length; i += this.maxLineChars) this.onLine(line.slice(i, i + this.maxLineChars), true);
  }
}
