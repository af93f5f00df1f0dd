/**
 * The real sharp, except that decoding the photo named by
 * PHOTOFRAME_TEST_STALL_DECODE to raw pixels never finishes: a wedged decode,
 * as a hung decoder thread or a stuck SD card would leave it, while the rest
 * of the process (its event loop, etcd, the window) runs on.
 */
import { createRequire } from 'node:module';

const sharp = createRequire(import.meta.url)('sharp');
const stallName = process.env.PHOTOFRAME_TEST_STALL_DECODE;

export default new Proxy(sharp, {
  apply(target, thisArg, args) {
    const instance = Reflect.apply(target, thisArg, args);
    if (stallName && typeof args[0] === 'string' && args[0].endsWith(`/${stallName}`)) {
      const toBuffer = instance.toBuffer.bind(instance);
      instance.toBuffer = (options, ...rest) => (options?.resolveWithObject ? new Promise(() => {}) : toBuffer(options, ...rest));
    }
    return instance;
  },
});
