/**
 * The real sharp, except that decoding the photo named by
 * PHOTOFRAME_TEST_STALL_DECODE to raw pixels never finishes: a wedged decode,
 * as a hung decoder thread or a stuck SD card would leave it, while the rest
 * of the process (its event loop, etcd, the window) runs on.
 * PHOTOFRAME_TEST_STALL_CHECK wedges the cache's check of the photo it names
 * (the small decode that proves a file is an image) in the same way.
 */
import { createRequire } from 'node:module';

const sharp = createRequire(import.meta.url)('sharp');
const stallName = process.env.PHOTOFRAME_TEST_STALL_DECODE;
const stallCheckName = process.env.PHOTOFRAME_TEST_STALL_CHECK;

export default new Proxy(sharp, {
  apply(target, thisArg, args) {
    const instance = Reflect.apply(target, thisArg, args);
    if (stallName && typeof args[0] === 'string' && args[0].endsWith(`/${stallName}`)) {
      // The frame's decode wedges (the preparer's, which asks for RGBA pixels), whichever form of toBuffer it
      // uses: a bare buffer since the blur fill is made from its pixels. The cache's own check of the file
      // (a small raw decode, no alpha) runs, as it did when this stalled only toBuffer({ resolveWithObject }).
      const ensureAlpha = instance.ensureAlpha.bind(instance);
      const toBuffer = instance.toBuffer.bind(instance);
      let frameDecode = false;
      instance.ensureAlpha = (...args) => ((frameDecode = true), ensureAlpha(...args));
      instance.toBuffer = (...args) => (frameDecode ? new Promise(() => {}) : toBuffer(...args));
    }
    if (stallCheckName && typeof args[0] === 'string' && args[0].endsWith(`/${stallCheckName}`)) {
      // The check decodes to a bare raw buffer without asking for alpha; the frame's decode (with alpha) runs.
      const ensureAlpha = instance.ensureAlpha.bind(instance);
      const toBuffer = instance.toBuffer.bind(instance);
      let frameDecode = false;
      instance.ensureAlpha = (...args) => ((frameDecode = true), ensureAlpha(...args));
      instance.toBuffer = (...args) => (frameDecode ? toBuffer(...args) : new Promise(() => {}));
    }
    return instance;
  },
});
