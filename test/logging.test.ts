import { spawnSync } from 'node:child_process';
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

const warn = (message: string, input = false) => ({ level: 'warn' as const, component: 'viewer', message, input });
const LIMITS = { windowMs: 1000, perTemplate: 10, inputBudget: 10 };

test('an identical line is written once per window, then summarised with its count', () => {
  const limiter = new LogLimiter(LIMITS);
  const writes = Array.from({ length: 500 }, (_, i) => limiter.admit(warn('same'), i).write);
  assert.is(writes.filter(Boolean).length, 1);
  assert.equal(limiter.admit(warn('same'), 1000), {
    write: true,
    summaries: [{ kind: 'repeated', level: 'warn', component: 'viewer', count: 499, first: 'same' }],
  });
});

test('a flood of malformed input is held to its budget and summarised with the first line held back', () => {
  const limiter = new LogLimiter(LIMITS);
  const topics = ['images', 'settings', 'power_state'];
  const written = Array.from({ length: 10_000 }, (_, i) => limiter.admit(warn(`ignoring malformed /a:${topics[i % 3]}: bad ${'x'.repeat(i % 7)}`, true), 0)).filter((a) => a.write).length;
  assert.is(written, 10);
  const summaries = limiter.closeWindow(1000);
  assert.is(summaries.reduce((sum, s) => sum + s.count, 0), 9990);
  assert.ok(summaries.every((s) => s.first.startsWith('ignoring malformed')));
  assert.not.ok(limiter.holding);
  assert.is(limiter.admit(warn('ignoring malformed /a:images: bad ', true), 1001).write, true, 'a new window starts afresh');
});

test('malformed input never starves the watchdog warning or an error', () => {
  const limiter = new LogLimiter(LIMITS);
  for (let i = 0; i < 50; i++) limiter.admit(warn(`ignoring malformed /a:settings: brightness must be a number, got "v${'w'.repeat(i)}"`, true), 0);
  assert.ok(limiter.admit(warn('not notifying the systemd watchdog: the render loop is stuck'), 1).write);
  assert.ok(limiter.admit({ level: 'error', component: 'screen', message: 'cannot restart the screen: no display' }, 2).write);
});

test('one noisy source is held to its own budget; lines differing only in values are one source', () => {
  const limiter = new LogLimiter(LIMITS);
  const info = (message: string) => ({ level: 'info' as const, component: 'viewer', message });
  const written = Array.from({ length: 5000 }, (_, i) => limiter.admit(info(`change_photo ${i}`), 0).write).filter(Boolean).length;
  assert.is(written, 10, 'info lines are limited too');
  assert.ok(limiter.admit(info('settings applied'), 0).write, 'another source still gets its lines');
  assert.equal(limiter.closeWindow(1000), [{ kind: 'similar', level: 'info', component: 'viewer', count: 4990, first: 'change_photo 10' }]);
});

test('through a real logger: a malformed-value flood hides neither the watchdog nor an error, info is whole, and summaries survive exit', () => {
  const script = `
    import { createLogger } from ${JSON.stringify(new URL('../common/log.ts', import.meta.url).pathname)};
    const viewer = createLogger('viewer');
    for (let i = 0; i < 50; i++) viewer.warn('ignoring malformed /a:settings: brightness must be a number, got "' + 'v'.repeat(i + 1) + '"');
    viewer.warn('not notifying the systemd watchdog: the render loop is stuck');
    createLogger('screen').error('cannot restart the screen: no display');
    for (let i = 0; i < 100; i++) viewer.info('showing image ' + i);
  `;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, PHOTOFRAME_LOG: 'info' } });
  const lines = child.stderr.trim().split('\n');
  assert.ok(lines.some((line) => line.includes('not notifying the systemd watchdog')), 'the watchdog warning is written');
  assert.ok(lines.some((line) => line.includes('cannot restart the screen')), 'the error is written');
  assert.is(lines.filter((line) => / info  \[viewer\] showing image \d+$/.test(line)).length, 100, 'every info line is written');
  assert.ok(lines.length < 200, `${lines.length} lines`);
  assert.ok(lines.some((line) => /suppressed.*the first: ignoring malformed/.test(line)), 'the summary, written at exit, quotes the first line held back');
  assert.ok(lines.every((line) => line.length <= MAX_LINE_CHARS));
});

test.run();
