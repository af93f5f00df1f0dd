import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LatestWins, Superseded } from '../viewer/latestWins.ts';

/** A job that finishes only when told to, recording that it started. */
function gate() {
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

test('a burst runs the job already running and then only the newest; the ones between are dropped unstarted', async () => {
  const runner = new LatestWins();
  const started: number[] = [];
  const first = gate();
  const results: Promise<number>[] = [];
  results.push(runner.run('frame 0', 0, async () => (started.push(0), await first.opened, 0)));
  for (let i = 1; i <= 1000; i++) results.push(runner.run(`frame ${i}`, i, async () => (started.push(i), i)));
  first.open();
  const settled = await Promise.allSettled(results);
  assert.equal(started, [0, 1000]);
  assert.equal(settled[0], { status: 'fulfilled', value: 0 });
  assert.equal(settled[1000], { status: 'fulfilled', value: 1000 });
  const dropped = settled.slice(1, 1000);
  assert.ok(dropped.every((s) => s.status === 'rejected' && s.reason instanceof Superseded));
  assert.is(runner.dropped, 999);
});

test('a running job learns it is no longer wanted once a newer request arrives', async () => {
  const runner = new LatestWins();
  const checked = gate();
  let wantedAfterNewer: boolean | undefined;
  const first = runner.run('first', 1, async (stillWanted) => {
    await checked.opened;
    wantedAfterNewer = stillWanted();
  });
  const second = runner.run('second', 2, async (stillWanted) => stillWanted());
  checked.open();
  await first;
  assert.is(wantedAfterNewer, false);
  assert.is(await second, true);
});

test('a failing job does not block the next', async () => {
  const runner = new LatestWins();
  const failing = runner.run('bad', 1, async () => {
    throw new Error('cannot decode');
  });
  const next = runner.run('good', 2, async () => 'ok');
  await failing.catch(() => {});
  assert.is(await next, 'ok');
});

test('an older request arriving late never displaces a newer one waiting; a lower-ranked frame ahead never displaces a show', async () => {
  const runner = new LatestWins();
  const first = gate();
  const started: string[] = [];
  const running = runner.run('state 1', 1, async () => (started.push('state 1'), await first.opened));
  const newest = runner.run('state 3', 3, async () => started.push('state 3'));
  // State 2's download finished only now.
  const late = runner.run('state 2', 2, async () => started.push('state 2'));
  const ahead = runner.run('frame ahead of state 1', 1.5, async () => started.push('ahead'));
  first.open();
  await running;
  await newest;
  assert.ok((await late.catch((error) => error)) instanceof Superseded);
  assert.ok((await ahead.catch((error) => error)) instanceof Superseded);
  assert.equal(started, ['state 1', 'state 3']);
});

test.run();
