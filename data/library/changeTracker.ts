/**
 * Wraps an object graph so that any write anywhere in it (set, delete,
 * define; arrays' push and sort go through these) is noticed. Lets an update
 * skip rewriting the large photos file when only an album changed, without
 * asking every caller to say what it touched.
 */
export function trackChanges<T extends object>(root: T): { proxy: T; changed: () => boolean } {
  let changed = false;
  const proxies = new WeakMap<object, object>();
  const wrap = (target: object): object => {
    let proxy = proxies.get(target);
    if (!proxy) {
      proxy = new Proxy(target, {
        get(t, key, receiver) {
          const value: unknown = Reflect.get(t, key, receiver);
          return typeof value === 'object' && value !== null ? wrap(value) : value;
        },
        set(t, key, value, receiver) {
          changed = true;
          return Reflect.set(t, key, value, receiver);
        },
        deleteProperty(t, key) {
          changed = true;
          return Reflect.deleteProperty(t, key);
        },
        defineProperty(t, key, descriptor) {
          changed = true;
          return Reflect.defineProperty(t, key, descriptor);
        },
      });
      proxies.set(target, proxy);
    }
    return proxy;
  };
  return { proxy: wrap(root) as T, changed: () => changed };
}
