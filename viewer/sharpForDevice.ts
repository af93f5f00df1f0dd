import { totalmem } from 'node:os';
import sharp from 'sharp';

/**
 * libvips settings for the device the viewer runs on. Each photo is prepared
 * once per change, so libvips' operation cache (up to 50 MB by default) only
 * ever holds images that will not be asked for again: it is off. On a device
 * with 1 GiB or less (a Pi Zero 2 W has 512 MB, shared with the GPU), one
 * libvips thread per image: each thread has its own buffers (and, with glibc,
 * its own malloc arena), and a photo frame has time to spare but no memory.
 */
export function sharpSettingsFor(totalMemoryBytes: number): { cache: false; concurrency: number | null } {
  return { cache: false, concurrency: totalMemoryBytes <= 1024 ** 3 ? 1 : null };
}

export function configureSharpForDevice(totalMemoryBytes = totalmem()): void {
  const settings = sharpSettingsFor(totalMemoryBytes);
  sharp.cache(settings.cache);
  if (settings.concurrency !== null) sharp.concurrency(settings.concurrency);
}
