import { UserError } from '../../common/userError.ts';
import { groupsOf, type DisplayRecord, type Library } from './librarySchema.ts';

/** Looks a display up by id first, then by name, so a name that looks like an id cannot shadow one. */
export function findDisplay(library: Library, idOrName: string): DisplayRecord | undefined {
  return library.displays.find((d) => d.id === idOrName) ?? library.displays.find((d) => d.name === idOrName);
}

export interface DisplaySighting {
  id: string;
  hostname: string | null;
  name?: string;
}

/** Records a display seen in etcd, keeping what the library already knows about it. */
export function rememberDisplay(library: Library, sighting: DisplaySighting, now = new Date()): DisplayRecord {
  let display = library.displays.find((d) => d.id === sighting.id);
  if (!display) {
    display = {
      id: sighting.id,
      name: sighting.name || sighting.hostname || sighting.id,
      albumId: null,
      hostname: sighting.hostname,
      addedAt: now.toISOString(),
    };
    library.displays.push(display);
    return display;
  }
  if (sighting.hostname) display.hostname = sighting.hostname;
  if (sighting.name) display.name = sighting.name;
  return display;
}

/** A display the library knows, by id or name, or a UserError listing the known ones. */
export function requireDisplay(library: Library, idOrName: string): DisplayRecord {
  const display = findDisplay(library, idOrName);
  if (display) return display;
  const names = library.displays.map((d) => d.name);
  throw new UserError(`unknown display "${idOrName}"; ${names.length ? `known displays: ${names.join(', ')}` : 'the library knows no displays yet'}`);
}

export function renameDisplay(library: Library, idOrName: string, newName: string): DisplayRecord {
  const display = requireDisplay(library, idOrName);
  if (newName.trim() === '' || newName.length > 200) throw new UserError(`cannot name a display "${newName}": use 1 to 200 characters`);
  display.name = newName;
  return display;
}

/** Removes a display from the library; it reappears (unassigned) if it announces itself again. */
export function forgetDisplay(library: Library, idOrName: string): DisplayRecord {
  const display = requireDisplay(library, idOrName);
  library.displays.splice(library.displays.indexOf(display), 1);
  for (const group of groupsOf(library)) group.displayIds = group.displayIds.filter((id) => id !== display.id);
  return display;
}
