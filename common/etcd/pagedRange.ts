import { Range, type Etcd3 } from 'etcd3';
import type { IKeyValue } from 'etcd3/lib/rpc.js';

/** A prefix read as of one revision: every key under it, and that revision. */
export interface PrefixRead {
  kvs: IKeyValue[];
  header: { revision: string };
}

// A page of this many keys: 1,000 displays' lists of a few hundred photos are ~7 MB, over gRPC's 4 MiB
// message limit in one answer (the console could not start with a fleet of them). Paged, one answer stays a
// few MB for ordinary lists; etcd caps each value at --max-request-bytes, so even a page of the largest
// values is bounded (the client accepts answers above 4 MiB, see etcdClient.ts).
const PAGE_KEYS = 128;

/**
 * Reads every key under `prefix` in pages, all at the revision of the first
 * page, so the result is one consistent snapshot however many keys there
 * are.
 */
export async function readPrefixPaged(client: Etcd3, prefix: string): Promise<PrefixRead> {
  const end = Range.prefix(prefix).end;
  const kvs: IKeyValue[] = [];
  let from = Buffer.from(prefix);
  let revision: string | undefined;
  for (;;) {
    const page = await client.kv.range({ key: from, range_end: end, limit: PAGE_KEYS, ...(revision === undefined ? {} : { revision }) });
    revision ??= page.header.revision;
    kvs.push(...page.kvs);
    if (!page.more || page.kvs.length === 0) break;
    // The next page starts just after the last key read.
    from = Buffer.concat([page.kvs[page.kvs.length - 1]!.key, Buffer.from([0])]);
  }
  return { kvs, header: { revision: revision! } };
}
