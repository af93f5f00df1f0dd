import type { DisplayRecord, Library } from './librarySchema.ts';

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
