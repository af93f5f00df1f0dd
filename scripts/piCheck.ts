/**
 * `make pi-check` (run through scripts/pi-check.sh, which sets up qemu and
 * binfmt_misc): the Pi path on an emulated arm64 Debian trixie, the base of
 * Raspberry Pi OS trixie.
 *
 * 1. A root file system from debootstrap, cached in .state/pi/rootfs-base;
 *    each run starts from a fresh copy, a stock Pi that has never seen us.
 * 2. An SSH server inside it on a loopback port, a `pi` user with
 *    passwordless sudo and our key, as Raspberry Pi Imager sets one up.
 * 3. On the host: etcd (plain http), a library with one photo, the image server.
 * 4. The real `make deploy` over ssh: first with an enrollment bundle (its
 *    files and modes are checked), then an update with unchanged dependencies
 *    and ETCD=, timed; a release that does not load must be refused on the
 *    Pi with the old one left running; an unreachable Pi and a Pi whose
 *    os-release says bookworm must be refused with one line each.
 * 5. `systemd-analyze verify` of the installed unit, inside the Pi.
 * 6. The unit's ExecStart, read from the installed unit and viewer.env, run
 *    under the unit's user, groups and NoNewPrivileges (systemd is not PID 1
 *    here), drawing on an Xvfb inside the Pi; the host sets an album through
 *    etcd and reads the Pi's screen back with xwd there. The viewer must
 *    say it loaded sdl_layers (the GPU crossfade addon the release carries,
 *    cross-built for the Pi), and the photo comes in with a crossfade.
 * 7. Sizes: what landed on the Pi against today's full development setup.
 * 8. With SDL_BUILD=1: the SDL addon built on the Pi against cross-compiled
 *    on the host (scripts/piCheck/sdlBuildPlaces.ts).
 *
 * Every step prints its time.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLocalEtcd, type LocalEtcd } from '../common/etcd/localEtcd.ts';
import { freePort } from '../common/net/freePort.ts';
import { stopChildProcess } from '../common/process/stopChildProcess.ts';
import { decodeXwd } from '../test/helpers/screenCapture.ts';
import { unitCommand } from './piCheck/unitCommand.ts';
import { measureSizes } from './piCheck/piSizes.ts';
import { measureSdlBuildPlaces } from './piCheck/sdlBuildPlaces.ts';

const CHECKOUT = fileURLToPath(new URL('..', import.meta.url));
const STATE = join(CHECKOUT, '.state');
const PI = join(STATE, 'pi');
const BASE = join(PI, 'rootfs-base');
const ROOT = join(PI, 'root');
const BASE_MARK = join(BASE, '.photoframe-rootfs-base');
const MIRROR = 'http://deb.debian.org/debian';
/**
 * A stock Raspberry Pi OS Lite has systemd, sshd and sudo; xvfb and x11-apps
 * (xwd) are the check's own screen and eyes, not something the deploy relies on.
 */
const BASE_PACKAGES = ['systemd', 'systemd-sysv', 'dbus', 'openssh-server', 'sudo', 'ca-certificates', 'iproute2', 'procps', 'xvfb', 'x11-apps'];
const DISPLAY_ID = 'pi-check';
const SCREEN = { width: 320, height: 240, display: ':77' };
const RED = [230, 20, 20];
const GREEN = [20, 200, 40];

const timings: [string, number][] = [];
const children: ChildProcess[] = [];
let etcd: LocalEtcd | null = null;

async function step<T>(name: string, body: () => Promise<T> | T): Promise<T> {
  process.stdout.write(`pi-check: ${name} ...\n`);
  const started = performance.now();
  const result = await body();
  const seconds = (performance.now() - started) / 1000;
  timings.push([name, seconds]);
  process.stdout.write(`pi-check: ${name}: done in ${seconds.toFixed(1)} s\n`);
  return result;
}

function sh(command: string, args: string[], options: { input?: string; quiet?: boolean } = {}): string {
  return execFileSync(command, args, { encoding: 'utf8', input: options.input, stdio: ['pipe', 'pipe', options.quiet ? 'pipe' : 'inherit'], maxBuffer: 256 * 1024 * 1024 });
}

const inPi = (args: string[], options: { input?: string; quiet?: boolean } = {}) => sh('chroot', [ROOT, ...args], options);

async function main(): Promise<void> {
  mkdirSync(PI, { recursive: true });
  try {
    await run();
  } finally {
    for (const child of children.reverse()) await stopChildProcess(child).catch(() => {});
    await etcd?.stop().catch(() => {});
    unmountAll();
  }
  process.stdout.write('\npi-check: step times\n');
  for (const [name, seconds] of timings) process.stdout.write(`  ${seconds.toFixed(1).padStart(7)} s  ${name}\n`);
}

async function run(): Promise<void> {
  await step('arm64 trixie root file system (cached in .state/pi/rootfs-base)', buildBase);
  await step('a fresh emulated Pi from the cached root', freshPi);
  const ssh = await step('ssh server in the emulated Pi on a loopback port', startSsh);
  const host = await step('host: etcd (plain http), a library with one photo, the image server', startHostServices);
  await step('arm64 programs run inside the Pi: uname -m', () => {
    const machine = inPi(['uname', '-m']).trim();
    if (machine !== 'aarch64') throw new Error(`the emulated Pi says it is ${machine}, not aarch64`);
    process.stdout.write(`  uname -m: ${machine}\n`);
  });

  const bundle = join(PI, 'check-bundle');
  rmSync(bundle, { recursive: true, force: true });
  mkdirSync(bundle);
  // Placeholder files: this step checks the deploy installs a bundle with the right owner and modes; the viewer run below uses ETCD=.
  for (const file of ['ca.crt', 'display.crt', 'display.key']) writeFileSync(join(bundle, file), `placeholder ${file} for make pi-check\n`);
  writeFileSync(join(bundle, 'photoframe.env'), `PHOTOFRAME_ID=${DISPLAY_ID}\nPHOTOFRAME_ETCD=${host.etcd}\nPHOTOFRAME_IMAGE_SERVER=${host.server}\n`);

  const first = await step('make deploy to a stock Pi, with an enrollment bundle (Debian packages, user, dependency set, release)', () =>
    makeDeploy([`PI=emulated-pi`, `SSH_CONFIG=${ssh.config}`, `BUNDLE=${bundle}`, `ID=${DISPLAY_ID}`]),
  );
  process.stdout.write(first + piSteps());
  await step('the enrollment bundle on the Pi: /etc/photoframe/enrollment 0700, files 0600, owned by photoframe', checkEnrollment);
  const update = await step('make deploy again: an update with unchanged dependencies, ETCD= instead of a bundle', () =>
    makeDeploy([`PI=emulated-pi`, `SSH_CONFIG=${ssh.config}`, `ETCD=${host.etcd}`, `ID=${DISPLAY_ID}`]),
  );
  process.stdout.write(update + piSteps());
  if (!/deps unchanged/.test(update)) throw new Error('the update sent the dependency set again');
  await step('a release that does not load is refused on the Pi; the running release stays', () => brokenUpdate(ssh.config));
  await step('make deploy refuses an unreachable Pi with one line', () => {
    const result = spawnMake([`PI=unreachable-pi`, `SSH_CONFIG=${ssh.config}`, `ETCD=${host.etcd}`]);
    if (result.code === 0 || !/unreachable-pi +FAILED .*cannot reach/.test(result.stdout)) throw new Error(`unexpected: ${result.stdout}${result.stderr}`);
    process.stdout.write(result.stdout.split('\n').filter((l) => l.includes('unreachable-pi')).join('\n') + '\n');
  });
  await step('make deploy refuses a Pi running bookworm (its os-release says so for this step) with one line', () => {
    const osRelease = join(ROOT, 'etc', 'os-release');
    const original = readlinkOrNull(osRelease);
    const text = readFileSync(osRelease, 'utf8');
    rmSync(osRelease);
    writeFileSync(osRelease, text.replace(/^VERSION_CODENAME=.*$/m, 'VERSION_CODENAME=bookworm'));
    try {
      const result = spawnMake([`PI=emulated-pi`, `SSH_CONFIG=${ssh.config}`, `ETCD=${host.etcd}`]);
      if (result.code === 0 || !/emulated-pi +FAILED .*bookworm ships Node 18/.test(result.stdout)) throw new Error(`unexpected: ${result.stdout}${result.stderr}`);
      process.stdout.write(result.stdout.split('\n').filter((l) => l.includes('emulated-pi')).join('\n') + '\n');
    } finally {
      rmSync(osRelease);
      if (original !== null) symlinkSync(original, osRelease);
      else writeFileSync(osRelease, text);
    }
  });
  await step('systemd-analyze verify of the installed unit, inside the Pi', () => {
    process.stdout.write(inPi(['systemd-analyze', 'verify', '/etc/systemd/system/photoframe-viewer.service'], { quiet: false }));
  });
  await step("the unit's ExecStart under its user, groups and NoNewPrivileges: a photo on the Pi's Xvfb, read back there", () => showPhoto(host));
  await step('sizes: what landed on the Pi against the full development setup', () => process.stdout.write(measureSizes(ROOT, STATE)));
  if (process.env.SDL_BUILD === '1') {
    await step('where to build the SDL addon: on the emulated Pi against cross-compiled on the host', () => process.stdout.write(measureSdlBuildPlaces(BASE, PI)));
  }
}

async function buildBase(): Promise<void> {
  if (existsSync(BASE_MARK)) {
    process.stdout.write(`  reusing ${BASE} (make clean or rm -rf it to rebuild)\n`);
    return;
  }
  const tmp = `${BASE}.tmp`;
  // debootstrap removes its own /debootstrap folder when it has finished.
  const finished = existsSync(join(tmp, 'usr', 'bin', 'apt')) && !existsSync(join(tmp, 'debootstrap'));
  if (!finished) {
    rmSync(tmp, { recursive: true, force: true });
    process.stdout.write(`  debootstrap --arch=arm64 --variant=minbase trixie (several minutes: the second stage runs under qemu)\n`);
    await new Promise<void>((resolve, reject) => {
      const child = spawn('debootstrap', ['--arch=arm64', '--variant=minbase', `--include=${BASE_PACKAGES.join(',')}`, 'trixie', tmp, MIRROR], { stdio: ['ignore', 'pipe', 'pipe'] });
      let last = 0;
      // Progress: a line every 15 s at most, the latest of debootstrap's.
      const progress = (chunk: Buffer) => {
        const lines = chunk.toString().trim().split('\n');
        if (performance.now() - last > 15_000) {
          last = performance.now();
          process.stdout.write(`  ${lines.at(-1)}\n`);
        }
      };
      child.stdout!.on('data', progress);
      child.stderr!.on('data', progress);
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`debootstrap failed (${code}); see ${tmp}/debootstrap/debootstrap.log`))));
    });
  }
  // Packages' scripts must not start services in the image (no init runs them here).
  writeFileSync(join(tmp, 'usr', 'sbin', 'policy-rc.d'), '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  writeFileSync(BASE_MARK.replace(BASE, tmp), `${BASE_PACKAGES.join(' ')}\n`);
  rmSync(BASE, { recursive: true, force: true });
  sh('mv', [tmp, BASE]);
}

function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[1] ?? '')
    .filter((point) => point === dir || point.startsWith(`${dir}/`));
}

function unmountAll(): void {
  for (const point of mountsUnder(ROOT).sort().reverse()) {
    try {
      sh('umount', ['-l', point], { quiet: true });
    } catch {
      // reported below
    }
  }
  const left = mountsUnder(ROOT);
  if (left.length > 0) process.stderr.write(`pi-check: still mounted: ${left.join(' ')}\n`);
}

function freshPi(): void {
  unmountAll();
  if (mountsUnder(ROOT).length > 0) throw new Error(`cannot unmount everything under ${ROOT}; not removing it`);
  rmSync(ROOT, { recursive: true, force: true });
  sh('cp', ['-a', '--reflink=auto', BASE, ROOT]);
  // Downloaded .debs survive the fresh copy, so a second run installs without downloading.
  const archives = join(PI, 'apt-archives');
  mkdirSync(join(archives, 'partial'), { recursive: true });
  sh('mount', ['--bind', archives, join(ROOT, 'var', 'cache', 'apt', 'archives')]);
  sh('mount', ['-t', 'proc', 'proc', join(ROOT, 'proc')]);
  sh('mount', ['-t', 'sysfs', '-o', 'ro', 'sysfs', join(ROOT, 'sys')]);
  sh('mount', ['--bind', '/dev', join(ROOT, 'dev')]);
  // The host's resolver, as DHCP would give a Pi.
  writeFileSync(join(ROOT, 'etc', 'resolv.conf'), readFileSync('/etc/resolv.conf'));
  const files = readdirSync(ROOT);
  if (!files.includes('usr')) throw new Error(`${ROOT} is not a root file system`);
}

async function startSsh(): Promise<{ config: string }> {
  const key = join(PI, 'check_key');
  if (!existsSync(key)) sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'pi-check', '-f', key]);
  // As Raspberry Pi Imager makes the first user: a password-less sudoer with our key.
  inPi(['useradd', '--create-home', '--shell', '/bin/bash', 'pi']);
  writeFileSync(join(ROOT, 'etc', 'sudoers.d', '010_pi-nopasswd'), 'pi ALL=(ALL) NOPASSWD: ALL\n', { mode: 0o440 });
  mkdirSync(join(ROOT, 'home', 'pi', '.ssh'), { recursive: true, mode: 0o700 });
  writeFileSync(join(ROOT, 'home', 'pi', '.ssh', 'authorized_keys'), readFileSync(`${key}.pub`), { mode: 0o600 });
  inPi(['chown', '-R', 'pi:pi', '/home/pi/.ssh']);
  inPi(['ssh-keygen', '-A'], { quiet: true });
  mkdirSync(join(ROOT, 'run', 'sshd'), { recursive: true, mode: 0o755 });
  const port = await freePort();
  const closed = await freePort();
  const sshd = spawn('chroot', [ROOT, '/usr/sbin/sshd', '-D', '-e', '-p', String(port), '-o', 'ListenAddress=127.0.0.1', '-o', 'PidFile=none'], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(sshd);
  const config = join(PI, 'ssh_config');
  const common = `  HostName 127.0.0.1\n  User pi\n  IdentityFile ${key}\n  IdentitiesOnly yes\n  StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n  LogLevel ERROR\n`;
  writeFileSync(config, `Host emulated-pi\n  Port ${port}\n${common}\nHost unreachable-pi\n  Port ${closed}\n${common}`);
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      sh('ssh', ['-F', config, '-o', 'BatchMode=yes', 'emulated-pi', 'true'], { quiet: true });
      break;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`sshd in the emulated Pi did not answer on ${port}: ${(error as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  process.stdout.write(`  ssh -F ${config} emulated-pi (127.0.0.1:${port})\n`);
  return { config };
}

function cli(args: string[], home: string): string {
  return sh(process.execPath, [join(CHECKOUT, 'bin', 'photoframe.mjs'), '--etcd', etcd!.endpoint, '--home', home, ...args], { quiet: true });
}

async function startHostServices(): Promise<{ etcd: string; server: string; home: string }> {
  const work = join(PI, 'host');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(join(work, 'photos'), { recursive: true });
  etcd = await startLocalEtcd({ dataDir: join(work, 'etcd') });
  const home = join(work, 'home');
  const sharp = (await import('sharp')).default;
  // Red on the left, green on the right, 4:3 like the screen: it fills it.
  const half = { width: 200, height: 300, channels: 3 as const };
  const left = await sharp({ create: { ...half, background: { r: RED[0]!, g: RED[1]!, b: RED[2]! } } }).png().toBuffer();
  await sharp({ create: { width: 400, height: 300, channels: 3, background: { r: GREEN[0]!, g: GREEN[1]!, b: GREEN[2]! } } })
    .composite([{ input: left, left: 0, top: 0 }])
    .jpeg({ quality: 95 })
    .toFile(join(work, 'photos', 'split.jpg'));
  // --wait: the photo must be ready (checked) before a display's list can name it.
  cli(['import', '--wait', join(work, 'photos'), '--album', 'PiCheck'], home);
  const port = await freePort();
  const server = spawn(process.execPath, [join(CHECKOUT, 'bin', 'photoframe.mjs'), '--etcd', etcd.endpoint, '--home', home, 'serve', '--host', '127.0.0.1', '--http-port', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(server);
  await waitForLine(server, /image server listening/, 30_000);
  process.stdout.write(`  etcd ${etcd.endpoint}, image server http://127.0.0.1:${port}\n`);
  return { etcd: etcd.endpoint, server: `http://127.0.0.1:${port}`, home };
}

function spawnMake(variables: string[]): { code: number; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync('make', ['-s', '-C', CHECKOUT, 'deploy', ...variables], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { code: 0, stdout, stderr: '' };
  } catch (error) {
    const failure = error as { status: number; stdout: string; stderr: string };
    return { code: failure.status ?? 1, stdout: failure.stdout ?? '', stderr: failure.stderr ?? '' };
  }
}

function makeDeploy(variables: string[]): string {
  const result = spawnMake(variables);
  if (result.code !== 0) throw new Error(`make deploy failed:\n${result.stdout}${result.stderr}`);
  return result.stdout;
}

/** Runs the installer with a release whose viewer does not load, and checks nothing switched. */
function brokenUpdate(sshConfig: string): void {
  const current = () => execFileSync('readlink', [join(ROOT, 'opt', 'photoframe', 'current')], { encoding: 'utf8' }).trim();
  const before = current();
  const deps = readFileSync(join(ROOT, 'opt', 'photoframe', before, 'DEPS'), 'utf8').trim();
  const stage = join(PI, 'broken-stage');
  rmSync(stage, { recursive: true, force: true });
  // The running release's bundle with its viewer chunk cut short, as a broken build or a torn copy would leave it.
  mkdirSync(stage, { recursive: true });
  execFileSync('cp', ['-a', join(ROOT, 'opt', 'photoframe', before, 'dist'), join(stage, 'dist')]);
  const chunk = readdirSync(join(stage, 'dist')).find((name) => /^viewerCommand-.*\.js$/.test(name))!;
  writeFileSync(join(stage, 'dist', chunk), readFileSync(join(stage, 'dist', chunk), 'utf8').slice(0, 200));
  execFileSync('tar', ['-C', stage, '-cf', join(stage, 'release.tar'), 'dist']);
  for (const file of ['pi-install.sh', 'photoframe-viewer.service', 'photoframe-reboot.rules']) execFileSync('cp', [join(CHECKOUT, 'deploy', file), stage]);
  execFileSync('cp', [join(ROOT, 'etc', 'photoframe', 'viewer.env'), stage]);
  const tar = execFileSync('tar', ['-C', stage, '-cf', '-', 'release.tar', 'pi-install.sh', 'photoframe-viewer.service', 'photoframe-reboot.rules', 'viewer.env'], { maxBuffer: 256 * 1024 * 1024 });
  let refused = '';
  try {
    execFileSync('ssh', ['-F', sshConfig, '-o', 'BatchMode=yes', 'emulated-pi', `d=$(mktemp -d); tar -C $d -xf -; sudo -n sh $d/pi-install.sh 20990101T000000Z-broken ${deps} ''; s=$?; rm -rf $d; exit $s`], { input: tar, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (error) {
    refused = String((error as { stderr: Buffer }).stderr);
  }
  rmSync(stage, { recursive: true, force: true });
  if (!/does not load on this Pi; the running viewer is unchanged/.test(refused)) throw new Error(`the broken release was not refused: ${refused}`);
  if (current() !== before) throw new Error(`current moved from ${before} to ${current()}`);
  if (existsSync(join(ROOT, 'opt', 'photoframe', 'releases', '20990101T000000Z-broken'))) throw new Error('the broken release was left on the Pi');
  process.stdout.write(`  ${refused.trim().split('\n').pop()}\n  current is still ${before}\n`);
}

/** What the installer said on the Pi in the last deploy (deploy/deployPis.ts keeps it in .state/deploy/HOST.log). */
function piSteps(): string {
  const log = readFileSync(join(STATE, 'deploy', 'emulated-pi.log'), 'utf8');
  return log.split('\n').filter((line) => line.startsWith('pi: ')).map((line) => `  ${line}\n`).join('');
}

function checkEnrollment(): void {
  const uid = Number(inPi(['id', '-u', 'photoframe']).trim());
  const dir = join(ROOT, 'etc', 'photoframe', 'enrollment');
  const problems: string[] = [];
  const check = (path: string, mode: number) => {
    const stat = statSync(path);
    if ((stat.mode & 0o777) !== mode) problems.push(`${path} has mode ${(stat.mode & 0o777).toString(8)}, not ${mode.toString(8)}`);
    if (stat.uid !== uid) problems.push(`${path} is owned by uid ${stat.uid}, not photoframe (${uid})`);
  };
  check(dir, 0o700);
  for (const file of ['ca.crt', 'display.crt', 'display.key', 'photoframe.env']) check(join(dir, file), 0o600);
  const env = readFileSync(join(ROOT, 'etc', 'photoframe', 'viewer.env'), 'utf8');
  if (!/^PHOTOFRAME_ENROLLMENT=\/etc\/photoframe\/enrollment$/m.test(env)) problems.push(`viewer.env does not set PHOTOFRAME_ENROLLMENT:\n${env}`);
  if (problems.length > 0) throw new Error(problems.join('\n'));
}

async function showPhoto(host: { etcd: string; home: string }): Promise<void> {
  const xvfb = spawn('chroot', [ROOT, 'Xvfb', SCREEN.display, '-screen', '0', `${SCREEN.width}x${SCREEN.height}x24`, '-nolisten', 'tcp'], { stdio: 'ignore' });
  children.push(xvfb);
  const socket = join(ROOT, 'tmp', '.X11-unix', `X${SCREEN.display.slice(1)}`);
  for (const deadline = Date.now() + 60_000; !existsSync(socket); ) {
    if (Date.now() > deadline) throw new Error('Xvfb did not start in the emulated Pi');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const unit = unitCommand(readFileSync(join(ROOT, 'etc', 'systemd', 'system', 'photoframe-viewer.service'), 'utf8'), (path) => readFileSync(join(ROOT, path), 'utf8'));
  if (unit.user === 'root') throw new Error('the unit runs the viewer as root');
  // The one difference from the Pi: SDL draws on X (the Pi's Xvfb) instead of KMS/DRM, which qemu-user cannot give.
  const env = { ...unit.env, SDL_VIDEODRIVER: 'x11', DISPLAY: SCREEN.display, PHOTOFRAME_LOG: 'info', PATH: '/usr/bin:/bin', HOME: '/var/lib/photoframe' };
  const setpriv = ['setpriv', `--reuid=${unit.user}`, `--regid=${unit.group}`, `--groups=${gids(unit.supplementaryGroups).join(',')}`, ...(unit.noNewPrivileges ? ['--no-new-privs'] : [])];
  const command = [...setpriv, 'env', '-i', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), 'sh', '-c', 'cd "$0" && exec "$@"', unit.workingDirectory, ...unit.argv];
  process.stdout.write(`  chroot <pi> ${command.map((w) => (/\s/.test(w) ? JSON.stringify(w) : w)).join(' ')}\n`);
  const viewer = spawn('chroot', [ROOT, ...command], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(viewer);
  const lines: string[] = [];
  await waitForLine(viewer, /watching etcd/, 180_000, lines);
  // The release carries sdl_layers cross-built for the Pi: the viewer must load it, or every crossfade is a cut.
  await waitForLine(viewer, /crossfades: /, 60_000, lines);
  const crossfades = lines.find((line) => /crossfades: /.test(line));
  if (crossfades === undefined || !/sdl_layers loaded/.test(crossfades)) {
    throw new Error(`the viewer on the Pi did not load the GPU crossfade addon: ${crossfades ?? 'no "crossfades:" line'}\n${lines.slice(-20).join('\n')}`);
  }
  process.stdout.write(`  the viewer on the Pi: ${crossfades.replace(/^.*crossfades: /, 'crossfades: ')}\n`);
  cli(['display', 'set', DISPLAY_ID, 'album=PiCheck', 'interval_time=1', 'interval_units=days', 'order=sequence', 'transition=crossfade'], host.home);
  await waitForLine(viewer, /showing image/, 180_000, lines);
  const deadline = Date.now() + 120_000;
  for (;;) {
    const screen = decodeXwd(execFileSync('chroot', [ROOT, 'xwd', '-root', '-silent', '-display', SCREEN.display], { maxBuffer: 64 * 1024 * 1024 }));
    const samples = [
      [40, 120, RED],
      [280, 120, GREEN],
    ] as const;
    const seen = samples.map(([x, y]) => screen.pixel(x, y));
    const near = (a: readonly number[], b: readonly number[]) => a.every((v, i) => Math.abs(v - b[i]!) <= 24);
    if (samples.every(([, , colour], i) => near(seen[i]!, colour))) {
      process.stdout.write(`  the Pi's screen, read back inside it with xwd: (40,120) rgb(${seen[0]}) red, (280,120) rgb(${seen[1]}) green\n`);
      return;
    }
    if (Date.now() > deadline) throw new Error(`the Pi's screen shows ${JSON.stringify(seen)}, not red | green; viewer log:\n${lines.slice(-20).join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

function readlinkOrNull(path: string): string | null {
  try {
    return readlinkSync(path);
  } catch {
    return null;
  }
}

function gids(groups: string[]): number[] {
  return groups.map((group) => Number(inPi(['getent', 'group', group]).split(':')[2]));
}

function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs: number, lines: string[] = []): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no line matching ${pattern} in ${timeoutMs / 1000} s:\n${lines.slice(-20).join('\n')}`)), timeoutMs);
    const seen = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) {
        if (line === '') continue;
        lines.push(line);
        if (pattern.test(line)) {
          clearTimeout(timer);
          resolve();
        }
      }
    };
    if (lines.some((line) => pattern.test(line))) {
      clearTimeout(timer);
      resolve();
      return;
    }
    child.stdout?.on('data', seen);
    child.stderr?.on('data', seen);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited (${code}) before a line matching ${pattern}:\n${lines.slice(-20).join('\n')}`));
    });
  });
}

await main().catch((error: Error) => {
  process.stderr.write(`pi-check: FAILED: ${error.message}\n`);
  process.exitCode = 1;
});
