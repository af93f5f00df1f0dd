import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { accept, refuse, type Decoded } from './decoded.ts';
import type { ManifestRef } from './codecs/imagesManifestCodec.ts';

/**
 * A large list of photo names held as the manifest's own text: one string
 * (one byte a character for ASCII names), the offset of each name in a
 * Uint32Array, and, once many lookups ask for it, an open-addressing hash
 * table (Int32Array) from name to position. 100,000 names cost 3.3 MB (4.3
 * with the table) in three objects, not 100,000 strings and a Set of them; a
 * name becomes a string of its own only when asked for. Shared by the viewer (its playlist) and the image server (which
 * photos a display may fetch).
 *
 * Reading one is a few whole-text scans by V8's built-ins and one string
 * search per name, no loop per byte: the viewer runs in V8's lite mode, where
 * interpreted loops over 3 MB (or hashing every name) took over a second.
 *
 * The manifest's format: UTF-8 names, each followed by "\n"; the console
 * writes each name once.
 */
export class PackedNames {
  /** Built on the first many lookups (see indexOf): a viewer stepping through its list never needs it. */
  private table: Int32Array | null = null;
  private linearLookups = 0;

  private constructor(
    private readonly text: string,
    /** offsets[i] is where name i starts; offsets[length] is one past the last "\n". */
    private readonly offsets: Uint32Array,
    readonly sha256: string,
  ) {}

  get length(): number {
    return this.offsets.length - 1;
  }

  nameAt(index: number): string {
    if (!(index >= 0 && index < this.length)) throw new RangeError(`no name at ${index} in a list of ${this.length}`);
    return this.text.slice(this.offsets[index]!, this.offsets[index + 1]! - 1);
  }

  /**
   * The first few lookups search the text (V8's string search, a millisecond
   * over 100,000 names); from then on, a hash table, built once: the image
   * server and a cache trim ask thousands of times.
   */
  indexOf(name: string): number {
    if (name.length === 0 || name.includes('\n')) return -1;
    if (this.table === null && ++this.linearLookups <= LINEAR_LOOKUPS) return this.search(name);
    const table = (this.table ??= this.buildTable());
    const mask = table.length - 1;
    for (let slot = hashOf(name, 0, name.length) & mask; ; slot = (slot + 1) & mask) {
      const entry = table[slot]!;
      if (entry === 0) return -1;
      const from = this.offsets[entry - 1]!;
      if (this.offsets[entry]! - 1 - from === name.length && this.text.startsWith(name, from)) return entry - 1;
    }
  }

  has(name: string): boolean {
    return this.indexOf(name) >= 0;
  }

  /** Whether both hold the same names in the same order. */
  sameAs(other: PackedNames): boolean {
    return this.sha256 === other.sha256;
  }

  /** The bytes held, for tests and logs. */
  get heldBytes(): number {
    return this.text.length + this.offsets.byteLength + (this.table?.byteLength ?? 0);
  }

  private search(name: string): number {
    const line = `${name}\n`;
    for (let at = this.text.indexOf(line); at >= 0; at = this.text.indexOf(line, at + 1)) {
      if (at === 0 || this.text.charCodeAt(at - 1) === 0x0a) return this.indexAtOffset(at);
    }
    return -1;
  }

  /** The name starting at `offset`, by binary search of the offsets. */
  private indexAtOffset(offset: number): number {
    let low = 0;
    let high = this.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >>> 1;
      if (this.offsets[middle]! <= offset) low = middle;
      else high = middle - 1;
    }
    return low;
  }

  private buildTable(): Int32Array {
    // At most half full, so a probe ends after a step or two.
    let size = 16;
    while (size < this.length * 2) size *= 2;
    const table = new Int32Array(size);
    const mask = size - 1;
    // From the last name back, so a repeated name (which the console never writes) is found at its first place.
    for (let i = this.length - 1; i >= 0; i--) {
      let slot = hashOf(this.text, this.offsets[i]!, this.offsets[i + 1]! - 1) & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = i + 1;
    }
    return table;
  }

  /**
   * Reads a manifest's bytes, checking them against the reference that named
   * them: size, SHA-256, count, and that every name is one a viewer can use.
   */
  static fromManifest(body: Buffer, ref: ManifestRef): Decoded<PackedNames> {
    const what = `manifest ${ref.sha256.slice(0, 12)}`;
    if (body.length !== ref.bytes) return refuse(`${what} is ${body.length} bytes, not the ${ref.bytes} its reference says`);
    const sha256 = createHash('sha256').update(body).digest('hex');
    if (sha256 !== ref.sha256) return refuse(`manifest content hashes to ${sha256.slice(0, 12)}…, not ${ref.sha256.slice(0, 12)}…`);
    if (body[body.length - 1] !== 0x0a) return refuse(`${what} must end with a newline`);
    if (!isUtf8(body)) return refuse(`${what} must be UTF-8`);
    const text = body.toString('utf8');
    const problem = firstProblem(text);
    if (problem) return refuse(`${what} ${problem}`);
    const offsets = new Uint32Array(ref.count + 1);
    let start = 0;
    for (let i = 0; i < ref.count; i++) {
      const end = text.indexOf('\n', start);
      if (end < 0) return refuse(`${what} holds ${i} names, not the ${ref.count} its reference says`);
      // Above 255 characters only: the same rule as imageNameProblem.
      if (end - start > 255) return refuse(`${what} line ${i + 1} is longer than 255 characters`);
      offsets[i] = start;
      start = end + 1;
    }
    if (start !== text.length) return refuse(`${what} holds more than the ${ref.count} names its reference says`);
    offsets[ref.count] = start;
    return accept(new PackedNames(text, offsets, sha256));
  }
}

const LINEAR_LOOKUPS = 64;

/** The manifest body for a list of names (which must be distinct and usable), and its reference. */
export function encodeManifest(names: readonly string[]): { body: Buffer; ref: ManifestRef } {
  const body = Buffer.from(names.map((name) => `${name}\n`).join(''), 'utf8');
  return { body, ref: { sha256: createHash('sha256').update(body).digest('hex'), count: names.length, bytes: body.length } };
}

/**
 * FNV-1a over the name's last 12 characters and first 4, and its length: a
 * dozen steps however long the name. The end of a name is where names differ
 * (a content hash, a camera's counter); a collision costs one more compare.
 */
function hashOf(text: string, from: number, to: number): number {
  let hash = Math.imul(0x811c9dc5 ^ (to - from), 0x01000193);
  const tail = Math.max(from, to - 12);
  for (let i = tail; i < to; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  const head = Math.min(from + 4, tail);
  for (let i = from; i < head; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

// What imageNameProblem (imagesCodec.ts) refuses in a name, found in the whole text at once.
const CONTROL_OR_SEPARATOR = /[\u0000-\u0009\u000b-\u001f\u007f/\\]/;
const EMPTY_OR_DOT_LINE = /(?:^|\n)[\n.]/;

function firstProblem(text: string): string | null {
  const bad = CONTROL_OR_SEPARATOR.exec(text);
  if (bad) return `line ${lineOf(text, bad.index)} contains ${bad[0] === '/' || bad[0] === '\\' ? 'a path separator' : 'a control character'}`;
  const start = EMPTY_OR_DOT_LINE.exec(text);
  if (start) {
    const at = start[0].length === 2 ? start.index + 1 : start.index;
    return `line ${lineOf(text, at)} ${text[at] === '.' ? 'starts with "."' : 'is empty'}`;
  }
  return null;
}

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let at = text.indexOf('\n'); at >= 0 && at < index; at = text.indexOf('\n', at + 1)) line++;
  return line;
}
