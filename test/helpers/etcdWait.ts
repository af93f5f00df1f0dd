import type { Etcd3 } from 'etcd3';

/**
 * Resolves with a key's value once `wanted` accepts it (at once if it does
 * already), told by a watch, not by polling. A missing key is null.
 */
export async function untilValue(client: Etcd3, key: string, wanted: (value: string | null) => boolean): Promise<string | null> {
  // Watching before reading: a change between the two is not missed.
  const watcher = await client.watch().key(key).create();
  try {
    const now = await client.get(key).string();
    if (wanted(now)) return now;
    return await new Promise<string | null>((resolve) => {
      watcher.on('put', (kv) => {
        const value = kv.value.toString();
        if (wanted(value)) resolve(value);
      });
      watcher.on('delete', () => {
        if (wanted(null)) resolve(null);
      });
    });
  } finally {
    await watcher.cancel();
  }
}
