// The FlatBuffers tables of an Arrow IPC message's metadata, read with every offset checked
// against the message: a crafted message can neither read outside it nor be mistaken for another.

/** A stream that cannot be read; the decoder turns it into a 400 naming where it failed. */
export class ArrowFormatError extends Error {}

export const fail = (message: string): never => {
  throw new ArrowFormatError(message);
};

export const TWO_32 = 4294967296;

const DECODER = new TextDecoder();

type Scalar = 'u8' | 'i16' | 'i32' | 'i64';

/** The tables of one message's metadata; any read outside its bytes throws. */
export class Fb {
  private readonly view: DataView;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** `p`, once the `n` bytes there are known to lie inside the message. */
  private at(p: number, n: number): number {
    if (!(p >= 0 && p + n <= this.bytes.length)) fail('its metadata points outside the message');
    return p;
  }

  u8(p: number): number {
    return this.view.getUint8(this.at(p, 1));
  }
  i16(p: number): number {
    return this.view.getInt16(this.at(p, 2), true);
  }
  u16(p: number): number {
    return this.view.getUint16(this.at(p, 2), true);
  }
  i32(p: number): number {
    return this.view.getInt32(this.at(p, 4), true);
  }
  u32(p: number): number {
    return this.view.getUint32(this.at(p, 4), true);
  }
  /** A signed 64-bit integer as a double (exact below 2^53). */
  i64(p: number): number {
    const q = this.at(p, 8);
    return this.view.getInt32(q + 4, true) * TWO_32 + this.view.getUint32(q, true);
  }

  root(): number {
    return this.u32(0);
  }

  /** The position of field `slot` of the table at `t`, or -1 when the field (or the table: -1) is absent. */
  field(t: number, slot: number): number {
    if (t < 0) return -1;
    const vtable = t - this.i32(t);
    const vtableSize = this.u16(vtable);
    const at = 4 + 2 * slot;
    if (at + 2 > vtableSize) return -1;
    const offset = this.u16(vtable + at);
    return offset === 0 ? -1 : t + offset;
  }

  /** The table that field `slot` points to, or -1. */
  table(t: number, slot: number): number {
    const p = this.field(t, slot);
    return p < 0 ? -1 : p + this.u32(p);
  }

  /** Field `slot` as a vector of `size`-byte elements: its first element and its length. */
  vector(t: number, slot: number, size: number): { start: number; length: number } {
    const p = this.field(t, slot);
    if (p < 0) return { start: 0, length: 0 };
    const at = p + this.u32(p);
    const length = this.u32(at);
    this.at(at + 4, length * size);
    return { start: at + 4, length };
  }

  /** The table at index `i` of a vector of tables. */
  tableAt(start: number, i: number): number {
    const p = start + 4 * i;
    return p + this.u32(p);
  }

  string(t: number, slot: number): string | null {
    if (this.field(t, slot) < 0) return null;
    const { start, length } = this.vector(t, slot, 1);
    return DECODER.decode(this.bytes.subarray(start, start + length));
  }

  /** Field `slot` read as `type`, or `fallback` when absent. */
  scalar(t: number, slot: number, type: Scalar, fallback: number): number {
    const p = this.field(t, slot);
    return p < 0 ? fallback : this[type](p);
  }

  bool(t: number, slot: number): boolean {
    return this.scalar(t, slot, 'u8', 0) !== 0;
  }
}
