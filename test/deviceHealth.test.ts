import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createLogger } from '../common/log.ts';
import { readPowerStatus, ScreenPowerControl } from '../viewer/cecControl.ts';
import { estimateClockOffset, measureClockOffsetOnAny } from '../viewer/clockOffset.ts';
import { freePort } from '../common/net/freePort.ts';
import { startTestEtcd } from './helpers/testEtcd.ts';
import { parseThrottled, readCpuTemperature } from '../viewer/deviceHealth.ts';
import { fakeCecCtl } from './helpers/fakeCec.ts';
import { tempDir } from './helpers/fixtures.ts';

test('a Pi firmware throttling word: now and since boot', () => {
  assert.equal(parseThrottled('throttled=0x50005\n'), { raw: '0x50005', undervoltage: true, capped: false, throttled: true, soft_temp_limit: false, occurred: ['undervoltage', 'throttled'] });
  assert.equal(parseThrottled('0')?.occurred, []);
  assert.is(parseThrottled('throttled=what'), null);
});

test('CEC power status as cec-ctl and cec-client print it', () => {
  assert.is(readPowerStatus('\tpwr-state: standby (0x01)'), 'standby');
  assert.is(readPowerStatus('power status: on'), 'on');
  assert.is(readPowerStatus('pwr-state: to-on (0x02)'), 'on');
  assert.is(readPowerStatus('no answer'), 'unknown');
});

test('the clock offset: every sample bounds it; a second turning over narrows it', () => {
  // etcd is 2.5 s ahead; requests take 10 ms; the Date header drops the milliseconds.
  const sample = (localSent: number) => {
    const serverAt = localSent + 5 + 2500;
    return { sentAt: localSent, receivedAt: localSent + 10, serverSecond: Math.floor(serverAt / 1000) * 1000 };
  };
  const one = estimateClockOffset([sample(1_000_000_100)])!;
  assert.ok(Math.abs(one.offsetMs - 2500) <= one.errorMs && one.errorMs <= 510, JSON.stringify(one));
  const many = estimateClockOffset(Array.from({ length: 12 }, (_, i) => sample(1_000_000_100 + i * 90)))!;
  assert.ok(Math.abs(many.offsetMs - 2500) <= many.errorMs && many.errorMs <= 60, JSON.stringify(many));
  assert.is(estimateClockOffset([]), null);
});

test('the CPU temperature from the thermal zone of the CPU', async () => {
  const root = await tempDir();
  for (const [zone, type, milli] of [['thermal_zone0', 'acpitz', '30000'], ['thermal_zone1', 'cpu-thermal', '61234']]) {
    await mkdir(join(root, zone!));
    await writeFile(join(root, zone!, 'type'), `${type}\n`);
    await writeFile(join(root, zone!, 'temp'), `${milli}\n`);
  }
  assert.is(await readCpuTemperature(root), 61.2);
  assert.is(await readCpuTemperature(join(root, 'none')), null);
});

test('screen power through a cec-ctl on PATH: standby, then wake as the active source; read back', async () => {
  const cec = await fakeCecCtl();
  let changes = 0;
  const control = await ScreenPowerControl.find({ env: { PATH: `${cec.dir}:/usr/bin:/bin` }, log: createLogger('test'), changed: () => changes++ });
  await control.set(false);
  assert.equal(control.current, { power: 'standby', source: 'cec', method: 'cec-ctl' });
  await control.set(true);
  assert.equal(control.current, { power: 'on', source: 'cec', method: 'cec-ctl' });
  const calls = await cec.calls();
  assert.ok(calls.some((c) => c === '-d /dev/cec0 --to 0 --standby'), calls.join('\n'));
  assert.ok(calls.some((c) => c === '-d /dev/cec0 --to 0 --active-source phys-addr=1.0.0.0'), calls.join('\n'));
  assert.is(changes, 2);
  const none = await ScreenPowerControl.find({ env: { PATH: '/nonexistent' }, log: createLogger('test'), changed: () => {} });
  await none.set(false);
  assert.equal(none.current, { power: 'off', source: 'commanded', method: 'none' });
});

test('the clock offset is measured on the first cluster member that answers, not only the first listed', async () => {
  const etcd = await startTestEtcd();
  try {
    const down = `http://127.0.0.1:${await freePort()}`;
    const offset = await measureClockOffsetOnAny([down, etcd.endpoint]);
    assert.ok(offset, 'an estimate from the member that is up');
    // One machine, one clock: the estimate's bound must hold zero.
    assert.ok(Math.abs(offset.offsetMs) <= offset.errorMs + 1, `offset ${offset.offsetMs} ± ${offset.errorMs}`);
    const none = await measureClockOffsetOnAny([down]).then(() => 'measured', () => 'failed');
    assert.is(none, 'failed', 'no member up: the failure, not a made-up offset');
  } finally {
    await etcd.stop();
  }
});

test.run();
