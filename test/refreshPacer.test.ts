import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RefreshPacer, type PacerClock } from '../console/tui/app/refreshPacer.ts';

/** A clock that only moves when told, running what falls due. */
function manualClock() {
  let now = 0;
  let queue: { at: number; run: () => void; cancelled: boolean }[] = [];
  const clock: PacerClock = {
    now: () => now,
    later: (run, ms) => {
      const entry = { at: now + ms, run, cancelled: false };
      queue.push(entry);
      return { cancel: () => void (entry.cancelled = true) };
    },
  };
  const advance = (ms: number) => {
    const until = now + ms;
    for (;;) {
      const due = queue.filter((e) => !e.cancelled && e.at <= until).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      now = Math.max(now, due.at);
      queue = queue.filter((e) => e !== due);
      due.run();
    }
    now = until;
  };
  return { clock, advance };
}

test('1,000 etcd changes a second redraw five times a second, not 1,000; the last change is drawn', () => {
  const { clock, advance } = manualClock();
  let drawn = 0;
  const pacer = new RefreshPacer(() => drawn++, 200, clock);
  for (let ms = 0; ms < 1000; ms++) {
    pacer.changed(true);
    advance(1);
  }
  advance(200);
  assert.ok(drawn >= 5 && drawn <= 6, `drawn ${drawn} times`);
  const before = drawn;
  pacer.changed(true); // after a quiet spell: at once
  advance(0);
  assert.is(drawn, before + 1);
});

test('a change that is not from etcd is drawn at once, even with a throttled redraw pending', () => {
  const { clock, advance } = manualClock();
  let drawn = 0;
  const pacer = new RefreshPacer(() => drawn++, 200, clock);
  pacer.changed(true);
  advance(0);
  pacer.changed(true); // held back until 200 ms
  advance(10);
  assert.is(drawn, 1);
  pacer.changed(false);
  advance(0);
  assert.is(drawn, 2, 'brought forward');
  advance(500);
  assert.is(drawn, 2, 'and not drawn twice');
});

test('flush draws a held-back change now, so a key acts on rows as etcd has them', () => {
  const { clock, advance } = manualClock();
  let drawn = 0;
  const pacer = new RefreshPacer(() => drawn++, 200, clock);
  pacer.changed(true);
  advance(0);
  pacer.changed(true);
  pacer.flush();
  assert.is(drawn, 2);
  advance(1000);
  assert.is(drawn, 2, 'the held-back redraw is not done again');
  pacer.flush();
  assert.is(drawn, 2, 'nothing pending: nothing drawn');
});

test('a redraw says whether only etcd changed since the last one, so the view can draw only what that touched', () => {
  const { clock, advance } = manualClock();
  const kinds: boolean[] = [];
  const pacer = new RefreshPacer((onlyEtcd) => kinds.push(onlyEtcd), 200, clock);
  pacer.changed(true);
  advance(0);
  pacer.changed(true);
  pacer.changed(false);
  advance(0);
  pacer.changed(true);
  advance(300);
  assert.equal(kinds, [true, false, true], 'etcd alone; etcd and a library change; etcd alone again');
});

test.run();
