/**
 * `make pi-check SDL_BUILD=1`: where to build @kmamal/sdl's addon for a Pi,
 * measured side by side in one run.
 *
 * - On the Pi: a fresh copy of the emulated Pi installs what node-gyp needs
 *   (build-essential, python3, libsdl2-dev, libnode-dev for Node's headers)
 *   and compiles the addon there. qemu-user translates the compiler, so its
 *   time is an emulated one; the packages' size is what a real Pi would carry
 *   (or download and remove at every dependency change).
 * - On the console host: deploy/build-sdl-cross.sh with gcc-aarch64-linux-gnu
 *   and libsdl2-dev:arm64 (installed once).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CHECKOUT = fileURLToPath(new URL('../..', import.meta.url));
const BUILD_PACKAGES = ['build-essential', 'python3', 'libsdl2-dev', 'libnode-dev', 'nodejs'];

export function measureSdlBuildPlaces(base: string, pi: string): string {
  const root = join(pi, 'sdl-build-root');
  const mounts: string[] = [];
  const mount = (args: string[], point: string) => {
    execFileSync('mount', [...args, point]);
    mounts.push(point);
  };
  const inRoot = (script: string) => execFileSync('chroot', [root, 'sh', '-c', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  const seconds = (body: () => void) => {
    const started = performance.now();
    body();
    return (performance.now() - started) / 1000;
  };
  rmSync(root, { recursive: true, force: true });
  execFileSync('cp', ['-a', '--reflink=auto', base, root]);
  try {
    mount(['-t', 'proc', 'proc'], join(root, 'proc'));
    mount(['--bind', '/dev'], join(root, 'dev'));
    // Its own cache of .debs, so it never waits for the apt lock of the Pi under check.
    const archives = join(pi, 'apt-archives-sdl-build');
    mkdirSync(join(archives, 'partial'), { recursive: true });
    mount(['--bind', archives], join(root, 'var', 'cache', 'apt', 'archives'));
    writeFileSync(join(root, 'etc', 'resolv.conf'), readFileSync('/etc/resolv.conf'));
    const before = new Set(inRoot("dpkg-query -W -f='${Package}\\n'").split('\n'));
    const install = seconds(() => inRoot(`apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${BUILD_PACKAGES.join(' ')} >/dev/null`));
    const added = inRoot("dpkg-query -W -f='${Package} ${Installed-Size}\\n'")
      .split('\n')
      .filter((line) => line && !before.has(line.split(' ')[0]!));
    const addedKb = added.reduce((sum, line) => sum + Number(line.split(' ')[1] ?? 0), 0);

    // The addon's sources and node-addon-api from the checkout; node-gyp (JavaScript) from the host's node_modules, mounted read-only.
    const modules = realpathSync(join(CHECKOUT, 'node_modules'));
    const work = join(root, 'tmp', 'sdlbuild', 'node_modules');
    mkdirSync(join(work, '@kmamal'), { recursive: true });
    cpSync(join(modules, '@kmamal', 'sdl'), join(work, '@kmamal', 'sdl'), { recursive: true, filter: (src) => !/\/(build|dist)(\/|$)/.test(src.slice(modules.length)) });
    cpSync(join(modules, 'node-addon-api'), join(work, 'node-addon-api'), { recursive: true });
    // Named node_modules, so node-gyp finds its own dependencies beside it.
    mkdirSync(join(root, 'tmp', 'host', 'node_modules'), { recursive: true });
    mount(['--bind', '-o', 'ro', modules], join(root, 'tmp', 'host', 'node_modules'));
    const onPi = seconds(() =>
      inRoot('cd /tmp/sdlbuild/node_modules/@kmamal/sdl && SDL_INC=/usr/include/SDL2 SDL_LIB=/usr/lib/aarch64-linux-gnu node /tmp/host/node_modules/node-gyp/bin/node-gyp.js rebuild -j 2 --nodedir=/usr >/tmp/sdlbuild/build.log 2>&1 || { tail -20 /tmp/sdlbuild/build.log; exit 1; }'),
    );
    const loads = inRoot("cd /tmp/sdlbuild/node_modules/@kmamal/sdl && node -e \"require('./build/Release/sdl.node'); console.log('loads')\"").trim();
    // Printed now: this half takes tens of minutes, and must not be lost if the host half fails.
    process.stdout.write(
      `  on the emulated Pi: installing ${BUILD_PACKAGES.join(' ')}: ${install.toFixed(1)} s, ${added.length} packages, ${(addedKb / 1024).toFixed(1)} MB installed; node-gyp rebuild: ${onPi.toFixed(1)} s (qemu-user); the addon ${loads}\n`,
    );

    const hostWork = join(pi, 'sdl-cross-build');
    rmSync(hostWork, { recursive: true, force: true });
    mkdirSync(join(hostWork, 'node_modules', '@kmamal'), { recursive: true });
    cpSync(join(work, '@kmamal', 'sdl'), join(hostWork, 'node_modules', '@kmamal', 'sdl'), { recursive: true, filter: (src) => !/\/build(\/|$)/.test(src.slice(work.length)) });
    cpSync(join(modules, 'node-addon-api'), join(hostWork, 'node_modules', 'node-addon-api'), { recursive: true });
    const cross = seconds(() => execFileSync(join(CHECKOUT, 'deploy', 'build-sdl-cross.sh'), [join(hostWork, 'node_modules', '@kmamal', 'sdl'), 'arm64'], { stdio: 'ignore' }));
    rmSync(hostWork, { recursive: true, force: true });
    return `  cross on the host: deploy/build-sdl-cross.sh: ${cross.toFixed(1)} s (toolchain installed once beforehand)\n`;
  } finally {
    for (const point of mounts.reverse()) execFileSync('umount', ['-l', point]);
    // Never remove through a mount that is still there (/dev is bound in).
    const still = readFileSync('/proc/mounts', 'utf8').split('\n').some((line) => (line.split(' ')[1] ?? '').startsWith(`${root}/`));
    if (!still) rmSync(root, { recursive: true, force: true });
  }
}
