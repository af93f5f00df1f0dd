/**
 * A display's photo list as the playlist sees it: a length, the name at a
 * position, and the position of a name. A list from `/<id>:images` is an
 * array of a few thousand strings at most; one from a manifest is
 * PackedNames, 100,000 names in one Buffer, each made a string only when it
 * is about to be shown.
 */
import { PackedNames } from '../common/protocol/packedNames.ts';

export interface PhotoList {
  readonly length: number;
  nameAt(index: number): string;
  /** -1 when the name is not in the list. */
  indexOf(name: string): number;
  has(name: string): boolean;
}

/** A list read from `/<id>:images`: its names once each, in their first places. */
export class ArrayPhotoList implements PhotoList {
  private positions: Map<string, number> | null = null;
  readonly names: readonly string[];

  constructor(names: readonly string[]) {
    const distinct = new Set(names);
    this.names = distinct.size === names.length ? names : [...distinct];
  }

  get length(): number {
    return this.names.length;
  }

  nameAt(index: number): string {
    return this.names[index]!;
  }

  indexOf(name: string): number {
    // Built on first use: a list that only ever steps forward never needs it.
    this.positions ??= new Map(this.names.map((n, i) => [n, i]));
    return this.positions.get(name) ?? -1;
  }

  has(name: string): boolean {
    return this.indexOf(name) >= 0;
  }
}

export const EMPTY_LIST: PhotoList = new ArrayPhotoList([]);

export function asPhotoList(images: readonly string[] | PhotoList): PhotoList {
  return isPhotoList(images) ? images : new ArrayPhotoList(images);
}

function isPhotoList(images: readonly string[] | PhotoList): images is PhotoList {
  return !Array.isArray(images);
}

/** Whether two lists hold the same names in the same order; a manifest's by its hash, without reading it. */
export function sameNames(a: PhotoList, b: PhotoList): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  if (a instanceof PackedNames && b instanceof PackedNames) return a.sameAs(b);
  for (let i = 0; i < a.length; i++) if (a.nameAt(i) !== b.nameAt(i)) return false;
  return true;
}

/** Every name, as strings: for tests and small lists only. */
export function namesOf(list: PhotoList): string[] {
  return Array.from({ length: list.length }, (_, i) => list.nameAt(i));
}
