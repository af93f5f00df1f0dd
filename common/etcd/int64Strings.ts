import { createRequire } from 'node:module';

/** The 64-bit integer class protobufjs decodes int64 fields into (the `long` package). */
interface LongLike {
  low: number;
  high: number;
  unsigned: boolean;
}
type ToString = (this: LongLike, radix?: number) => string;

/** A 64-bit integer's decimal digits, by native BigInt arithmetic: the same text as `long`'s own toString(10). */
export function int64Decimal(value: LongLike): string {
  const bits = (BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0);
  return (value.unsigned ? bits : BigInt.asIntN(64, bits)).toString();
}

let installed = false;

/**
 * etcd's revisions, versions and lease ids are int64s. Under etcd3,
 * protobufjs decodes each into a Long and, asked for strings, formats it with
 * Long's toString: a loop of 64-bit divisions written in JavaScript, eight
 * per watch event. In the viewer's V8 lite mode (no optimising compiler) that
 * was its largest cost in a burst of 1,000 writes (profile: ~0.4 s of 3.5).
 * Numbers would lose lease ids (above 2^53), so the Longs stay; only their
 * decimal formatting goes through BigInt, which is native.
 */
export function formatInt64sNatively(): void {
  if (installed) return;
  installed = true;
  let Long: { prototype: { toString: ToString } } | null | undefined;
  try {
    // Resolved the way etcd3 resolves them: its @grpc/proto-loader, that loader's protobufjs, and the Long it was given.
    const fromEtcd3 = createRequire(createRequire(import.meta.url).resolve('etcd3'));
    const fromLoader = createRequire(fromEtcd3.resolve('@grpc/proto-loader'));
    Long = (fromLoader('protobufjs') as { util: { Long?: typeof Long } }).util.Long;
  } catch {
    // A different layout of etcd3's dependencies: only slower, never a reason not to reach etcd.
    return;
  }
  if (!Long) return;
  const original = Long.prototype.toString;
  Long.prototype.toString = function (this: LongLike, radix?: number) {
    return radix === undefined || radix === 10 ? int64Decimal(this) : original.call(this, radix);
  };
}
