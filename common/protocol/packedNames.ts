import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { accept, refuse, type Decoded } from './decoded.ts';
import type { ManifestRef } from './codecs/imagesManifestCodec.ts';

/**
 * A large list of photo names held as the manifest's own bytes: one Buffer,
 * the offset of each name in a Uint32Array, and an open-addressing hash table
 * (Int32Array) from name to position. 100,000 names cost about 4 MB in four
 * objects, not 100,000 strings and a Set of them; a name becomes a string
 * only when asked for. Shared by the viewer (its playlist) and the image
 * server (which photos a display may fetch).
 *
 * The manifest's format: UTF-8 names, each followed by "\n", no duplicates.
 */
export class PackedNames {
  private constructor(
    private readonly bytes: Buffer,
    /** offsets[i] is where name i starts; offsets[length] is one past the last "\n". */
    private readonly offsets: Uint32Array,
    /** Position + 1 of the name in each slot, 0 for an empty slot; a power of two long. */
    private readonly table: Int32Array,
    readonly sha256: string,
  ) {}

  get length(): number {
    return this.offsets.length - 1;
  }

  /** The bytes this list holds, for the memory it costs (tests, logs). */
  get byteSize(): number {
    return this.bytes.byteLength + this.offsets.byteLength + this.table.byteLength;
  }

  nameAt(index: number): string {
    if (!(index >= 0 && index < this.length)) throw new RangeError(`no name at ${index} in a list of ${this.length}`);
    return this.bytes.toString('utf8', this.offsets[index]!, this.offsets[index + 1]! - 1);
  }

  indexOf(name: string): number {
    const probe = Buffer.from(name, 'utf8');
    return this.find(probe, 0, probe.length);
  }

  has(name: string): boolean {
    return this.indexOf(name) >= 0;
  }

  /** Whether both hold the same names in the same order. */
  sameAs(other: PackedNames): boolean {
    return this.sha256 === other.sha256;
  }

  private find(source: Uint8Array, start: number, end: number): number {
    const mask = this.table.length - 1;
    for (let slot = hashBytes(source, start, end) & mask; ; slot = (slot + 1) & mask) {
      const entry = this.table[slot]!;
      if (entry === 0) return -1;
      const index = entry - 1;
      const from = this.offsets[index]!;
      const to = this.offsets[index + 1]! - 1;
      if (to - from === end - start && this.bytes.compare(source, start, end, from, to) === 0) return index;
    }
  }

  /**
   * Reads a manifest's bytes, checking them against the reference that named
   * them: size, SHA-256, count, and that every name is one a viewer can use.
   */
  static fromManifest(body: Buffer, ref: ManifestRef): Decoded<PackedNames> {
    if (body.length !== ref.bytes) return refuse(`manifest ${ref.sha256.slice(0, 12)} is ${body.length} bytes, not the ${ref.bytes} its reference says`);
    const sha256 = createHash('sha256').update(body).digest('hex');
    if (sha256 !== ref.sha256) return refuse(`manifest content hashes to ${sha256.slice(0, 12)}…, not ${ref.sha256.slice(0, 12)}…`);
    const parsed = PackedNames.parse(body, sha256);
    if (!parsed.ok) return parsed;
    if (parsed.value.length !== ref.count) return refuse(`manifest ${ref.sha256.slice(0, 12)} holds ${parsed.value.length} names, not the ${ref.count} its reference says`);
    return parsed;
  }

  /** Builds the index over a manifest body whose hash the caller knows (`sha256`). */
  static parse(body: Buffer, sha256: string): Decoded<PackedNames> {
    if (body.length === 0 || body[body.length - 1] !== NEWLINE) return refuse('a manifest must end with a newline');
    if (!isUtf8(body)) return refuse('a manifest must be UTF-8');
    let count = 0;
    for (let at = body.indexOf(NEWLINE); at >= 0; at = body.indexOf(NEWLINE, at + 1)) count++;
    const offsets = new Uint32Array(count + 1);
    let start = 0;
    for (let i = 0; i < count; i++) {
      const end = body.indexOf(NEWLINE, start);
      const problem = nameBytesProblem(body, start, end);
      if (problem) return refuse(`manifest line ${i + 1} ${problem}`);
      offsets[i] = start;
      start = end + 1;
    }
    offsets[count] = start;
    // At most half full, so a probe ends after a step or two.
    let size = 16;
    while (size < count * 2) size *= 2;
    const table = new Int32Array(size);
    const mask = size - 1;
    const list = new PackedNames(body, offsets, table, sha256);
    for (let i = 0; i < count; i++) {
      const from = offsets[i]!;
      const to = offsets[i + 1]! - 1;
      if (list.find(body, from, to) >= 0) return refuse(`manifest line ${i + 1} repeats a name`);
      let slot = hashBytes(body, from, to) & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = i + 1;
    }
    return accept(list);
  }
}

const NEWLINE = 0x0a;

/** The manifest body for a list of names (which must be distinct and usable), and its reference. */
export function encodeManifest(names: readonly string[]): { body: Buffer; ref: ManifestRef } {
  const body = Buffer.from(names.map((name) => `${name}\n`).join(''), 'utf8');
  return { body, ref: { sha256: createHash('sha256').update(body).digest('hex'), count: names.length, bytes: body.length } };
}

/** FNV-1a over bytes: fast in plain JavaScript, and spreads file names well. */
function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let hash = 0x811c9dc5;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ bytes[i]!, 0x01000193);
  return hash >>> 0;
}

/** The rules of imageNameProblem (imagesCodec.ts), on bytes: no string is made for a usable name. */
function nameBytesProblem(bytes: Buffer, start: number, end: number): string | null {
  if (end === start) return 'is empty';
  if (bytes[start] === 0x2e) return 'starts with "."';
  let ascii = true;
  for (let i = start; i < end; i++) {
    const byte = bytes[i]!;
    if (byte < 0x20 || byte === 0x7f) return 'contains a control character';
    if (byte === 0x2f || byte === 0x5c) return 'contains a path separator';
    if (byte >= 0x80) ascii = false;
  }
  const chars = ascii ? end - start : bytes.toString('utf8', start, end).length;
  return chars > 255 ? 'is longer than 255 characters' : null;
}
