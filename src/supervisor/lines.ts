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
        this.#emitCapped();
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

  /** Emits a capped piece, keeping a multi-byte character cut at the cap for the next piece (not two U+FFFD). */
  #emitCapped(): void {
    const piece = Buffer.concat(this.#pending, this.#pendingBytes);
    const keep = incompleteTail(piece);
    if (keep === 0 || keep === piece.length) return this.#emit();
    this.#pending = [piece.subarray(0, piece.length - keep)];
    this.#pendingBytes = piece.length - keep;
    this.#emit();
    this.#append(piece.subarray(piece.length - keep));
  }

  #emit(): void {
    let line = Buffer.concat(this.#pending, this.#pendingBytes).toString("utf8");
    this.#pending = [];
    this.#pendingBytes = 0;
    if (line.endsWith("\r")) line = line.slice(0, -1);
    this.#onLine(line);
  }
}

/** How many bytes at the end of `bytes` are the start of a UTF-8 character that is not complete (0–3). */
function incompleteTail(bytes: Buffer): number {
  for (let back = 1; back <= Math.min(3, bytes.length); back += 1) {
    const byte = bytes[bytes.length - back];
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: look further back for its lead byte
    const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return length > back ? back : 0;
  }
  return 0;
}
