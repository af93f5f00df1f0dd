import { shownPhotos } from '../../data/preparation/preparationPlan.ts';
import type { KeptRendition } from '../imageServer/renditionCache.ts';
import type { LibraryHub } from '../state/libraryHub.ts';

/**
 * The renditions `serve` keeps out of its cache's eviction: those of photos in
 * albums a display or group shows (what the preparation queue's rendition pass
 * makes), asked of the library as the hub holds it now. The set is worked out
 * once per library version, not per eviction.
 */
export function shownRenditions(hub: LibraryHub): KeptRendition {
  let version = -1;
  let stems = new Set<string>();
  return (stem) => {
    if (hub.version !== version) {
      version = hub.version;
      stems = new Set([...shownPhotos(hub.library)].map((name) => name.slice(0, name.lastIndexOf('.'))));
    }
    return stems.has(stem);
  };
}
