/**
 * The size of what lands on a Pi, lean deploy against today's full setup
 * (the old deploy-pi.sh: the checkout, `make setup`'s Debian packages and
 * `npm ci` of the whole lockfile). Both counted the same way: Debian packages
 * by Installed-Size over the dependency closure that a stock Raspberry Pi OS
 * Lite (systemd, sshd, sudo and Debian's required and important packages)
 * does not already have, asked of apt inside the emulated Pi; our own files by
 * the bytes on disk.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TRIXIE_PACKAGES } from '../../deploy/piTargets.ts';

const CHECKOUT = fileURLToPath(new URL('../..', import.meta.url));
const STOCK_LITE = ['systemd', 'systemd-sysv', 'dbus', 'openssh-server', 'sudo', 'ca-certificates', 'iproute2', 'procps'];

export function measureSizes(root: string, state: string): string {
  const inPi = (args: string[]) => execFileSync('chroot', [root, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] });
  const closure = (packages: string[]): Set<string> => {
    const out = inPi(['apt-cache', 'depends', '--recurse', '--no-recommends', '--no-suggests', '--no-conflicts', '--no-breaks', '--no-replaces', '--no-enhances', ...packages]);
    return new Set(out.split('\n').filter((line) => /^[a-z0-9]/.test(line)).map((line) => line.trim()));
  };
  const installedKb = (packages: Iterable<string>): number => {
    const names = [...packages];
    if (names.length === 0) return 0;
    const out = inPi(['apt-cache', 'show', '--no-all-versions', ...names]);
    return [...out.matchAll(/^Installed-Size: (\d+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
  };
  const required = inPi(['dpkg-query', '-W', '-f=${Package} ${Essential} ${Priority}\\n'])
    .split('\n')
    .filter((line) => / (yes|no) (required|important)$/.test(line) || / yes /.test(line))
    .map((line) => line.split(' ')[0]!);
  const stock = closure([...STOCK_LITE, ...required]);
  const beyondStock = (packages: string[]) => [...closure(packages)].filter((p) => !stock.has(p));

  const leanDebian = beyondStock(TRIXIE_PACKAGES);
  const leanDebianKb = installedKb(leanDebian);
  const leanFiles = bytesIn(join(root, 'opt', 'photoframe'));

  const setupText = readFileSync(join(CHECKOUT, 'scripts', 'setup.sh'), 'utf8');
  const fullList = /^packages=\(([^)]*)\)/m.exec(setupText)![1]!.split(/\s+/).filter(Boolean);
  const fullDebian = beyondStock(['nodejs', ...fullList]);
  const fullDebianKb = installedKb(fullDebian);
  const fullModules = fullNodeModules(state);
  const checkout = Number(execFileSync('sh', ['-c', 'git ls-files -z | xargs -0 du -cb | tail -1'], { cwd: CHECKOUT, encoding: 'utf8' }).split('\t')[0]);

  const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1).padStart(7)} MB`;
  const lean = leanDebianKb * 1024 + leanFiles;
  const full = fullDebianKb * 1024 + fullModules + checkout;
  return [
    `  lean deploy (now):  ${mb(lean)}  = Debian ${mb(leanDebianKb * 1024)} (${leanDebian.length} packages: ${TRIXIE_PACKAGES.join(' ')} and what they pull in) + /opt/photoframe ${mb(leanFiles)}`,
    `  full setup (before): ${mb(full)}  = Debian ${mb(fullDebianKb * 1024)} (${fullDebian.length} packages: nodejs ${fullList.join(' ')} ...) + node_modules ${mb(fullModules)} + checkout ${mb(checkout)}`,
    `  lean / full: ${((100 * lean) / full).toFixed(1)} % (target: under 25 %)`,
    '',
  ].join('\n');
}

function bytesIn(dir: string): number {
  return Number(execFileSync('du', ['-sb', dir], { encoding: 'utf8' }).split('\t')[0]);
}

/** The whole lockfile as `npm ci` put it on an arm64 Pi before (without the addon it then built), cached. */
function fullNodeModules(state: string): number {
  const dir = join(state, 'pi', 'full-node-modules');
  const lockHash = execFileSync('sha256sum', [join(CHECKOUT, 'package-lock.json')], { encoding: 'utf8' }).split(' ')[0]!;
  if (!existsSync(join(dir, lockHash))) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    cpSync(join(CHECKOUT, 'package.json'), join(dir, 'package.json'));
    cpSync(join(CHECKOUT, 'package-lock.json'), join(dir, 'package-lock.json'));
    execFileSync('npm', ['ci', '--ignore-scripts', '--os=linux', '--cpu=arm64', '--libc=glibc', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, stdio: 'ignore' });
    execFileSync('touch', [join(dir, lockHash)]);
  }
  return bytesIn(join(dir, 'node_modules'));
}
