// Turns a byte stream into whole lines: a line split across chunks comes out once, whole; a final
// line without a newline comes out at the end; a line longer than `maxLineBytes` comes out in pieces
// of that size, so one endless line cannot make zoo buffer without bound.

export const MAX_LINE_BYTES = 1024 * 1024;

export class LineSplitter {
  readonly #onLine: (line: string) => void;
  readonly #maxLineBytes: number;
  #pending: Buffer[] = [];
  #pendingBytes = 0;

  constructor(onLine: (line: string) => void, maxLineBytes = MAX_LINE_BYTES) {
    this.#onLine = onLine;
    this.#maxLineBytes = maxLineBytes;
  }

  push(chunk: Buffer): void {
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(0x0a, start);
      const end = newline === -1 ? chunk.length : newline;
      const room = this.#maxLineBytes - this.#pendingBytes;
      if (end - start > room) {
        // The line reached the cap: emit what we have and continue with the rest of it.
        this.#append(chunk.subarray(start, start + room));
        this.#emit();
        start += room;
        continue;
      }
      this.#append(chunk.subarray(start, end));
      if (newline === -1) return;
      this.#emit();
      start = newline + 1;
    }
  }

  /** Emits the last line if it had no newline. */
  end(): void {
    if (this.#pendingBytes > 0) this.#emit();
  }

  #append(piece: Buffer): void {
    if (piece.length === 0) return;
    // Copy: the stream may reuse the chunk's memory.
    this.#pending.push(Buffer.from(piece));
    this.#pendingBytes += piece.length;
  }

  #emit(): void {
    let line = Buffer.concat(this.#pending, this.#pendingBytes).toString("utf8");
    this.#pending = [];
    this.#pendingBytes = 0;
    if (line.endsWith("\r")) line = line.slice(0, -1);
    this.#onLine(line);
  }
}
