import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Etcd3 } from 'etcd3';
import type { GlobalConfig } from '../../common/config.ts';
import { connectEtcd } from '../../common/etcd/etcdClient.ts';
import { homePaths } from '../../common/homePaths.ts';
import { CleanupStack } from '../../common/process/cleanupStack.ts';
import { stopChildProcess } from '../../common/process/stopChildProcess.ts';
import { freePort } from '../../common/net/freePort.ts';
import { announceKey } from '../../common/protocol/systemKeys.ts';
import { LibraryStore } from '../../data/library/libraryStore.ts';
import { importPhotos } from '../../data/photos/importPhotos.ts';
import { startXvfb, type XvfbDisplay } from '../../viewer/xvfbDisplay.ts';
import { assignDisplay } from '../displays/assignDisplay.ts';
import { enrollDisplay } from '../security/enrollment.ts';
import { startSecureLocalEtcd } from '../security/secureLocalEtcd.ts';
import { ensureSamplePhotos } from './samplePhotos.ts';
import { DEMO_VIEWER_SCREEN_ENV } from './demoEnvironment.ts';

// The program this demo runs in (bin/photoframe.mjs from a checkout, dist/photoframe.js bundled) starts its parts too.
const CLI = process.argv[1] ?? fileURLToPath(new URL('../../bin/photoframe.mjs', import.meta.url));
const DEMO_DISPLAY = 'demo-display';
const DEMO_ALBUM = 'Demo';

/**
 * The whole system on one machine: etcd, sample photos in an album, the image
 * server, one viewer (in a window, or on a virtual screen when there is no
 * monitor), then the console. Everything it started stops when it ends.
 */
export async function runDemo(config: GlobalConfig, say: (line: string) => void): Promise<void> {
  const paths = homePaths(config.home);
  // One stop, however many ask for it: a closed terminal ended the console and signalled the demo at once, and the
  // two stops, each reversing one shared list, left the virtual screen running.
  const cleanups = new CleanupStack();
  const cleanUp = () => cleanups.run();
  // Ctrl-C before the console is up, or a kill, still stops what was started.
  const onSignal = () => void cleanUp().then(() => process.exit(130));
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  process.on('SIGINT', onSignal);
  // A closed terminal (a dropped SSH session) makes every later line fail with EIO: the stop must still finish.
  const ignoreClosedTerminal = () => {};
  process.stdout.on('error', ignoreClosedTerminal);

  let client: Etcd3 | undefined;
  try {
    // The secure configuration is the demo's too: its own CA under the home, etcd with mutual TLS and auth.
    const { etcd, target } = await startSecureLocalEtcd(config.home, { dataDir: paths.etcdData });
    cleanups.push(() => etcd.stop());
    say(`etcd running at ${etcd.endpoint} with mutual TLS and auth (data in ${paths.etcdData}, certificates in ${join(config.home, 'pki')})`);
    const cli = (...args: string[]) => ['--etcd', etcd.endpoint, '--home', config.home, ...args];

    const samples = await ensureSamplePhotos(join(config.home, 'samples'));
    const report = await importPhotos(new LibraryStore(paths.store), paths, { sources: [samples], album: DEMO_ALBUM });
    say(`album "${DEMO_ALBUM}": ${report.imported.length} new photos, ${report.duplicates.length} already imported`);

    const port = await freePort();
    const server = await startChild('serve', cli('serve', '--host', '127.0.0.1', '--http-port', String(port)), paths.home, /image server listening/);
    cleanups.push(() => stopChildProcess(server));
    say(`image server on https://127.0.0.1:${port}, mutual TLS (log: ${join(paths.home, 'demo-serve.log')})`);

    let xvfb: XvfbDisplay | undefined;
    const env = { ...process.env };
    const viewerArgs = ['viewer'];
    if (env.DISPLAY) {
      viewerArgs.push('--windowed', '960x540');
    } else {
      xvfb = await startXvfb(1280, 720);
      cleanups.push(() => xvfb!.stop());
      env.DISPLAY = xvfb.display;
      say(`no DISPLAY: the viewer draws on virtual screen ${xvfb.display} (xwd -root -display ${xvfb.display} takes a screenshot)`);
    }

    client = await connectEtcd(target);
    // The demo's display is enrolled like any other: its own certificate, user and role.
    const enrollment = await enrollDisplay(client, new LibraryStore(paths.store), config.home, {
      name: 'Demo display',
      id: DEMO_DISPLAY,
      etcdEndpoints: [etcd.endpoint],
    });
    viewerArgs.push('--enrollment', enrollment.bundle);
    const announced = waitForKey(client, announceKey(DEMO_DISPLAY));
    const viewer = await startChild('viewer', cli(...viewerArgs), paths.home, null, env);
    cleanups.push(() => stopChildProcess(viewer));
    await announced;
    await assignDisplay(client, new LibraryStore(paths.store), DEMO_DISPLAY, {
      album: DEMO_ALBUM,
      settings: { name: 'Demo display', interval_time: 8, interval_units: 'seconds' },
    });
    say(`viewer "${DEMO_DISPLAY}" shows album "${DEMO_ALBUM}" (log: ${join(paths.home, 'demo-viewer.log')})`);
    say(`try, in another shell: npx photoframe --etcd ${etcd.endpoint} --home ${config.home} displays`);
    client.close();
    client = undefined;

    if (process.stdin.isTTY && process.stdout.isTTY) {
      // The console owns the terminal now; Ctrl-C there is a key press, and quitting ends the demo.
      process.off('SIGINT', onSignal);
      process.on('SIGINT', () => {});
      // The lines above are hidden once the console draws: it shows the addresses again in its ? help.
      const viewerScreen = env.DISPLAY ?? '';
      const consoleChild = spawn(process.execPath, [CLI, ...cli('console')], { stdio: 'inherit', env: { ...process.env, [DEMO_VIEWER_SCREEN_ENV]: viewerScreen } });
      await new Promise((resolve) => consoleChild.once('exit', resolve));
    } else {
      say('no terminal for the console: the demo runs until Ctrl-C or SIGTERM');
      await new Promise<void>((resolve) => {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
    }
  } finally {
    client?.close();
    say('stopping the demo');
    await cleanUp();
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
    process.off('SIGINT', onSignal);
    process.stdout.off('error', ignoreClosedTerminal);
  }
}

/** Starts a photoframe command with its output in <home>/demo-<name>.log; resolves once `ready` is printed. */
async function startChild(name: string, args: string[], home: string, ready: RegExp | null, env = process.env): Promise<ChildProcess> {
  await mkdir(home, { recursive: true });
  const log = createWriteStream(join(home, `demo-${name}.log`), { flags: 'a' });
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  child.stderr!.pipe(log);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (!ready) {
    child.stdout!.pipe(log);
    return child;
  }
  await new Promise<void>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      log.write(`${line}\n`);
      if (ready.test(line)) resolve();
    });
    void exited.then((code) => reject(new Error(`photoframe ${name} exited with code ${code}; see ${join(home, `demo-${name}.log`)}`)));
  });
  return child;
}


/** Resolves when the key exists: from a read, or from a watch that starts right after that read. */
async function waitForKey(client: Etcd3, key: string): Promise<void> {
  const read = await client.get(key).exec();
  if (read.kvs.length > 0) return;
  const watcher = await client.watch().key(key).startRevision((BigInt(read.header.revision) + 1n).toString()).create();
  await new Promise<void>((resolve) => watcher.once('put', () => resolve()));
  await watcher.cancel();
}
