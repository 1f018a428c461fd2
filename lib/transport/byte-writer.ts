/**
 * A growable byte buffer that frames and column blocks are written into in place. It owns its
 * ArrayBuffer (never Node's shared pool), so a frame built in it can be transferred to another
 * thread or kept for retransmission without a copy. Growing copies the bytes written so far into
 * a larger buffer, so positions stay valid across {@link ensure}; cached `buf`/`view` references
 * do not (re-read them after `ensure`).
 *
 * CBOR helpers write definite-length heads (RFC 8949 §3): `head(major, n)` in the shortest form,
 * `head32(major, n)` always with a 4-byte argument (for a length patched in after the item).
 */
export class ByteWriter {
  buf: Buffer;
  view: DataView;
  /** Where the next byte goes. */
  pos = 0;

  constructor(capacity: number) {
    this.buf = Buffer.allocUnsafeSlow(capacity);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  /** Makes room for `bytes` more after {@link pos}. */
  ensure(bytes: number): void {
    if (this.pos + bytes > this.buf.byteLength) this.grow(bytes);
  }

  /** Starts over in a new buffer of `capacity` bytes (the old one was handed over and must not be written again). */
  replace(capacity: number): void {
    this.buf = Buffer.allocUnsafeSlow(capacity);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    this.pos = 0;
  }

  private grow(bytes: number): void {
    const next = Buffer.allocUnsafeSlow(Math.max(this.buf.byteLength * 2, this.pos + bytes + 4096));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
    this.view = new DataView(next.buffer, next.byteOffset, next.byteLength);
  }

  /** Appends `bytes`. */
  bytes(bytes: Uint8Array): void {
    this.ensure(bytes.byteLength);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.byteLength;
  }

  /** Appends a CBOR head: major type 0-7 and argument `n` (a non-negative safe integer), shortest form. */
  head(major: number, n: number): void {
    this.ensure(9);
    const m = major << 5;
    const b = this.buf;
    if (n < 24) b[this.pos++] = m | n;
    else if (n < 0x100) {
      b[this.pos++] = m | 24;
      b[this.pos++] = n;
    } else if (n < 0x10000) {
      b[this.pos++] = m | 25;
      this.view.setUint16(this.pos, n, false);
      this.pos += 2;
    } else if (n < 0x100000000) {
      b[this.pos++] = m | 26;
      this.view.setUint32(this.pos, n, false);
      this.pos += 4;
    } else {
      b[this.pos++] = m | 27;
      this.view.setBigUint64(this.pos, BigInt(n), false);
      this.pos += 8;
    }
  }

  /** Appends a CBOR head with a 4-byte argument (n < 2³²). */
  head32(major: number, n: number): void {
    this.ensure(5);
    this.buf[this.pos++] = (major << 5) | 26;
    this.view.setUint32(this.pos, n, false);
    this.pos += 4;
  }

  /** Appends a CBOR text string. */
  text(s: string): void {
    const len = Buffer.byteLength(s, 'utf8');
    this.head(3, len);
    this.ensure(len);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }
}
