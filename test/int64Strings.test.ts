import { createRequire } from 'node:module';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { int64Decimal } from '../common/etcd/int64Strings.ts';

// The `long` that protobufjs uses under etcd3: our digits must be its digits.
const fromEtcd3 = createRequire(createRequire(import.meta.url).resolve('etcd3'));
const fromProtobuf = createRequire(createRequire(fromEtcd3.resolve('@grpc/proto-loader')).resolve('protobufjs'));
const Long = fromProtobuf('long') as {
  fromString(text: string, unsigned?: boolean): { low: number; high: number; unsigned: boolean; toString(radix?: number): string };
};

test('int64 decimal digits by BigInt match Long.toString for signed and unsigned edge values', () => {
  const values = ['0', '1', '-1', '4294967295', '4294967296', '-4294967296', '9007199254740993', '7587878754839573012', '9223372036854775807', '-9223372036854775808'];
  for (const text of values) {
    const signed = Long.fromString(text, false);
    assert.is(int64Decimal(signed), signed.toString(10), text);
    assert.is(int64Decimal(signed), text);
  }
  for (const text of ['0', '18446744073709551615', '9223372036854775808', '7587878754839573012']) {
    const unsigned = Long.fromString(text, true);
    assert.is(int64Decimal(unsigned), text);
  }
});

test.run();
