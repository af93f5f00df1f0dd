import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LogLimiter } from '../common/logging/logLimiter.ts';
import { excerpt, formatLine, MAX_LINE_CHARS } from '../common/logging/logLine.ts';

const PRINTABLE_LINE = /^[^\u0000-\u001f\u007f-\u009f\u2028\u2029\ufffd]*$/;

test('a huge binary value becomes a short escaped excerpt that says how long it was', () => {
  const binary = Buffer.from(Array.from({ length: 2_000_000 }, (_, i) => (i * 31) % 256)).toString('latin1') + '\n\r\u2028';
  const text = excerpt(binary, 80);
  assert.ok(text.length <= 80 + 20, `excerpt is ${text.length} chars`);
  assert.match(text, /…\(2000003 chars\)$/);
  assert.match(text, /\\x00\\x1f/);
  assert.ok(PRINTABLE_LINE.test(text));
});

test('a line with a multi-megabyte message and fields stays one printable line of at most 300 chars', () => {
  const huge = 'x\n'.repeat(1_000_000);
  const line = formatLine(new Date(0), 'warn', 'viewer', `ignoring malformed /a:images: ${huge}`, { value: huge, other: huge, n: 5 });
  assert.ok(line.length <= MAX_LINE_CHARS, `line is ${line.length} chars`);
  assert.not.match(line, /\n/);
  assert.ok(PRINTABLE_LINE.test(line));
});

test('undecodable bytes and lone surrogates are escaped, ordinary text is kept', () => {
  assert.is(excerpt('Küche "A"', 80), 'Küche "A"');
  assert.match(formatLine(new Date(0), 'info', 'x', 'm', { name: 'a" b="c' }), / name="a\\" b=\\"c"$/);
  assert.is(excerpt('a\ufffdb\ud800c', 80), 'a\\ufffdb\\ud800c');
});

test('structures are described by shape, never walked (a 10,000-deep value cannot overflow the stack)', () => {
  let deep: unknown = 1;
  for (let i = 0; i < 10_000; i++) deep = { a: deep };
  const line = formatLine(new Date(0), 'warn', 'viewer', 'x', { deep, list: [1, 2, 3] });
  assert.match(line, /deep=\[object\] list=\[array of 3\]$/);
});

test('an identical line is written once per window, then summarised with its count', () => {
  const limiter = new LogLimiter({ windowMs: 1000, budget: 10 });
  const writes = Array.from({ length: 500 }, (_, i) => limiter.admit('same', i).write);
  assert.is(writes.filter(Boolean).length, 1);
  assert.equal(limiter.admit('same', 1000), { write: true, summaries: [{ key: 'same', count: 499 }] });
});

test('a flood of different lines is held to the budget and summarised as one count', () => {
  const limiter = new LogLimiter({ windowMs: 1000, budget: 10 });
  const written = Array.from({ length: 10_000 }, (_, i) => limiter.admit(`bad value ${i}`, 0)).filter((a) => a.write).length;
  assert.is(written, 10);
  assert.ok(limiter.holding);
  assert.equal(limiter.closeWindow(1000), [{ key: null, count: 9990 }]);
  assert.not.ok(limiter.holding);
  assert.is(limiter.admit('bad value 0', 1001).write, true, 'a new window starts afresh');
});

test.run();
