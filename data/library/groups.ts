import { randomUUID } from 'node:crypto';
import { UserError } from '../../common/userError.ts';
import { requireAlbum } from './albums.ts';
import { requireDisplay } from './displays.ts';
import { groupsOf, type GroupMode, type GroupRecord, type Library } from './librarySchema.ts';

export function findGroup(library: Library, nameOrId: string): GroupRecord | undefined {
  const groups = groupsOf(library);
  return groups.find((g) => g.id === nameOrId) ?? groups.find((g) => g.name === nameOrId);
}

export function requireGroup(library: Library, nameOrId: string): GroupRecord {
  const group = findGroup(library, nameOrId);
  if (group) return group;
  const names = groupsOf(library).map((g) => g.name);
  throw new UserError(`unknown group "${nameOrId}"; ${names.length ? `groups are: ${names.join(', ')}` : 'there are no groups yet: photoframe group create NAME'}`);
}

export function createGroup(library: Library, name: string, now = new Date()): GroupRecord {
  if (name.trim() === '' || name.length > 200) throw new UserError(`cannot name a group "${name}": use 1 to 200 characters`);
  if (findGroup(library, name)) throw new UserError(`a group named "${name}" already exists`);
  const group: GroupRecord = { id: randomUUID(), name, albumId: null, displayIds: [], createdAt: now.toISOString() };
  library.groups = [...groupsOf(library), group];
  return group;
}

export function deleteGroup(library: Library, nameOrId: string): GroupRecord {
  const group = requireGroup(library, nameOrId);
  library.groups = groupsOf(library).filter((g) => g !== group);
  return group;
}

/** The group a display belongs to, if any. */
export function groupOfDisplay(library: Library, displayId: string): GroupRecord | undefined {
  return groupsOf(library).find((g) => g.displayIds.includes(displayId));
}

/**
 * Adds displays (known to the library) to a group. A display is in at most
 * one group, and a member shows the group's album, not one of its own.
 */
export function addGroupMembers(library: Library, nameOrId: string, displayRefs: readonly string[]): GroupRecord {
  const group = requireGroup(library, nameOrId);
  const displays = displayRefs.map((ref) => requireDisplay(library, ref));
  for (const display of displays) {
    const other = groupOfDisplay(library, display.id);
    if (other && other !== group) throw new UserError(`display "${display.name}" is already in group "${other.name}"; remove it there first`);
  }
  for (const display of displays) {
    if (!group.displayIds.includes(display.id)) group.displayIds.push(display.id);
    display.albumId = null;
  }
  return group;
}

export function removeGroupMembers(library: Library, nameOrId: string, displayRefs: readonly string[]): GroupRecord {
  const group = requireGroup(library, nameOrId);
  for (const ref of displayRefs) {
    const display = requireDisplay(library, ref);
    if (!group.displayIds.includes(display.id)) throw new UserError(`display "${display.name}" is not in group "${group.name}"`);
    group.displayIds = group.displayIds.filter((id) => id !== display.id);
  }
  return group;
}

export function setGroupAlbum(library: Library, nameOrId: string, albumRef: string): GroupRecord {
  const group = requireGroup(library, nameOrId);
  group.albumId = requireAlbum(library, albumRef).id;
  return group;
}

export const GROUP_MODES: readonly GroupMode[] = ['split', 'same'];

export function isGroupMode(value: string): value is GroupMode {
  return (GROUP_MODES as readonly string[]).includes(value);
}

/** How the group's members share its album (see GroupMode). */
export function setGroupMode(library: Library, nameOrId: string, mode: GroupMode): GroupRecord {
  const group = requireGroup(library, nameOrId);
  if (!isGroupMode(mode)) throw new UserError(`a group's mode is split or same, not "${String(mode)}"`);
  group.mode = mode;
  return group;
}

/** The group's mode, `split` for a group from before modes. */
export function groupMode(group: GroupRecord): GroupMode {
  return group.mode ?? 'split';
}
