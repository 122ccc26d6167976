import { MalformedFrameError } from './errors.js';

/**
 * A bounds-checking flatbuffers verifier. The flatbuffers TypeScript runtime has none: reading a
 * hostile buffer returns garbage rather than failing. Every network frame passes through here
 * before any generated accessor touches it, so those accessors only ever read in-bounds bytes.
 */

/** How a table field is laid out; `index` is the field's position in the schema. */
export type FieldSpec =
  | { readonly index: number; readonly kind: 'scalar'; readonly size: 1 | 2 | 4 | 8 }
  | { readonly index: number; readonly kind: 'struct'; readonly size: number }
  | { readonly index: number; readonly kind: 'string'; readonly maxBytes: number }
  | { readonly index: number; readonly kind: 'vector'; readonly elementSize: number; readonly maxLength: number }
  | { readonly index: number; readonly kind: 'table'; readonly table: TableSpec };

export interface TableSpec {
  readonly name: string;
  readonly fields: readonly FieldSpec[];
  /** Fields that must be present. */
  readonly required?: readonly number[];
}

const MAX_DEPTH = 16;
/** The flatbuffers runtime reads vtable entries as int16: larger values would be read as negative. */
const MAX_VTABLE_VALUE = 0x7fff;

export function verifyRoot(bytes: Uint8Array, root: TableSpec, fileIdentifier?: string): void {
  const v = new Verifier(bytes);
  if (bytes.length < 8) throw new MalformedFrameError(`${bytes.length} bytes is shorter than any ${root.name}`);
  if (fileIdentifier !== undefined) {
    for (let i = 0; i < 4; i++) {
      if (bytes[4 + i] !== fileIdentifier.charCodeAt(i)) {
        throw new MalformedFrameError(`file identifier is not "${fileIdentifier}"`);
      }
    }
  }
  v.table(v.u32(0), root, 0);
}

class Verifier {
  private readonly view: DataView;
  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private need(pos: number, size: number, what: string): void {
    if (pos < 0 || size < 0 || pos + size > this.bytes.length) {
      throw new MalformedFrameError(`${what} at ${pos}+${size} lies outside the ${this.bytes.length}-byte frame`);
    }
  }

  u32(pos: number): number {
    this.need(pos, 4, 'offset');
    return this.view.getUint32(pos, true);
  }

  table(pos: number, spec: TableSpec, depth: number): void {
    if (depth > MAX_DEPTH) throw new MalformedFrameError('tables nested too deeply');
    this.need(pos, 4, `${spec.name} table`);
    const vtable = pos - this.view.getInt32(pos, true);
    this.need(vtable, 4, `${spec.name} vtable`);
    const vtableSize = this.view.getUint16(vtable, true);
    const tableSize = this.view.getUint16(vtable + 2, true);
    if (vtableSize < 4 || vtableSize % 2 !== 0 || vtableSize > MAX_VTABLE_VALUE) throw new MalformedFrameError(`${spec.name} vtable size ${vtableSize}`);
    this.need(vtable, vtableSize, `${spec.name} vtable`);
    if (tableSize < 4 || tableSize > MAX_VTABLE_VALUE) throw new MalformedFrameError(`${spec.name} table size ${tableSize}`);
    this.need(pos, tableSize, `${spec.name} table`);

    const fieldOffset = (index: number): number => {
      const slot = 4 + 2 * index;
      return slot + 2 <= vtableSize ? this.view.getUint16(vtable + slot, true) : 0;
    };
    for (const index of spec.required ?? []) {
      if (fieldOffset(index) === 0) throw new MalformedFrameError(`${spec.name} lacks required field ${index}`);
    }
    for (const field of spec.fields) {
      const off = fieldOffset(field.index);
      if (off === 0) continue;
      if (off > MAX_VTABLE_VALUE) throw new MalformedFrameError(`${spec.name}.field${field.index} offset ${off}`);
      const at = pos + off;
      const what = `${spec.name}.field${field.index}`;
      switch (field.kind) {
        case 'scalar':
        case 'struct':
          if (off + field.size > tableSize) throw new MalformedFrameError(`${what} overruns its table`);
          break;
        case 'string': {
          const start = this.indirect(at, tableSize, off, what);
          const len = this.u32(start);
          if (len > field.maxBytes) throw new MalformedFrameError(`${what} is ${len} bytes, limit ${field.maxBytes}`);
          this.need(start + 4, len + 1, what); // + NUL terminator
          break;
        }
        case 'vector': {
          const start = this.indirect(at, tableSize, off, what);
          const len = this.u32(start);
          if (len > field.maxLength) throw new MalformedFrameError(`${what} has ${len} elements, limit ${field.maxLength}`);
          this.need(start + 4, len * field.elementSize, what);
          break;
        }
        case 'table':
          this.table(this.indirect(at, tableSize, off, what), field.table, depth + 1);
          break;
      }
    }
  }

  /** Follows a uoffset field and returns its absolute target. */
  private indirect(at: number, tableSize: number, off: number, what: string): number {
    if (off + 4 > tableSize) throw new MalformedFrameError(`${what} overruns its table`);
    const target = at + this.u32(at);
    this.need(target, 4, what);
    return target;
  }
}
