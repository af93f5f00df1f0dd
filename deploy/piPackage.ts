/**
 * What `make deploy` sends a Pi, built on the console host: a release (the
 * bundled viewer, dist/, and our sdl_layers addon for the Pi's CPU) and a dependency set (node_modules with etcd3, sharp
 * and its prebuilt libvips for the Pi's CPU, and @kmamal/sdl with its addon
 * cross-compiled here). A dependency set is named by the hash of what makes it,
 * cached under .state/pi-package/, and sent only to a Pi that lacks it, so an
 * update that changes only our code sends ~0.3 MB.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDist } from '../scripts/buildDist.ts';
import { ADDON_RELATIVE_PATH } from '../viewer/sdlLayers.ts';
import type { PiArch } from './piTargets.ts';
import { INSTALL_ONLY, runtimeClosure, type Lockfile } from './runtimeClosure.ts';

const CHECKOUT = fileURLToPath(new URL('..', import.meta.url));
const RUNTIME = join(CHECKOUT, 'deploy', 'pi-runtime');
const ROOTS = ['etcd3', 'sharp', '@kmamal/sdl'];
/** Raised when what a dependency set holds changes without its inputs changing (e.g. the pruning). */
const DEPS_FORMAT = 1;

export interface Deps {
  hash: string;
  tarball: string;
  bytes: number;
}

export interface Release {
  id: string;
  tarball: string;
  bytes: number;
}

/** The dependency set for `arch`, built once per hash. */
export function piDeps(arch: PiArch, stateDir: string, log: (line: string) => void): Deps {
  const hash = createHash('sha256')
    .update(`${DEPS_FORMAT} ${arch.name}\n`)
    .update(readFileSync(join(RUNTIME, 'package-lock.json')))
    .update(readFileSync(join(CHECKOUT, 'deploy', 'build-sdl-cross.sh')))
    .update(JSON.stringify(INSTALL_ONLY))
    .digest('hex')
    .slice(0, 16);
  const dir = join(stateDir, 'pi-package', `deps-${arch.name}-${hash}`);
  const tarball = join(dir, `deps-${hash}.tar.gz`);
  if (!existsSync(tarball)) {
    const work = `${dir}.work`;
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
    cpSync(join(RUNTIME, 'package.json'), join(work, 'package.json'));
    cpSync(join(RUNTIME, 'package-lock.json'), join(work, 'package-lock.json'));
    log(`deps: npm ci for linux-${arch.npmCpu} (${hash})`);
    // --ignore-scripts: @kmamal/sdl's install script would fetch a prebuilt from an unreachable host; we build it below.
    execFileSync('npm', ['ci', '--omit=dev', '--ignore-scripts', '--os=linux', `--cpu=${arch.npmCpu}`, '--libc=glibc', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: work,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const lock = JSON.parse(readFileSync(join(work, 'node_modules', '.package-lock.json'), 'utf8')) as Lockfile;
    const keep = runtimeClosure(lock, ROOTS);
    for (const path of Object.keys(lock.packages)) {
      if (!keep.has(path)) rmSync(join(work, path), { recursive: true, force: true });
    }
    rmSync(join(work, 'node_modules', '.package-lock.json'), { force: true });
    log(`deps: cross-compiling @kmamal/sdl for ${arch.name}`);
    execFileSync(join(CHECKOUT, 'deploy', 'build-sdl-cross.sh'), [join(work, 'node_modules', '@kmamal', 'sdl'), arch.name], { stdio: ['ignore', 'ignore', 'inherit'] });
    execFileSync('tar', ['-C', work, '-czf', join(work, 'deps.tar.gz'), 'node_modules']);
    mkdirSync(dir, { recursive: true });
    renameSync(join(work, 'deps.tar.gz'), tarball);
    rmSync(work, { recursive: true, force: true });
  }
  return { hash, tarball, bytes: statSync(tarball).size };
}

/**
 * A release of the current sources for each CPU: dist/ as the tests run it,
 * and our sdl_layers addon (the GPU crossfade) cross-built for that CPU where
 * the viewer looks for it (viewer/native/build/Release, beside dist/); without
 * it a Pi cuts instead of fading. Named by time and commit.
 */
export function piRelease(stateDir: string, arches: readonly PiArch[], log: (line: string) => void): Map<PiArch['name'], Release> {
  const commit = gitDescribe();
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const id = `${stamp}-${commit}`;
  const dir = join(stateDir, 'pi-package', 'release');
  rmSync(dir, { recursive: true, force: true });
  // Inside the checkout like any dist/, though on the Pi it finds node_modules through the release's link.
  buildDist(join(dir, 'dist'));
  const releases = new Map<PiArch['name'], Release>();
  for (const arch of arches) {
    const addon = join(dir, ...ADDON_RELATIVE_PATH.split('/'));
    rmSync(join(dir, 'viewer'), { recursive: true, force: true });
    mkdirSync(dirname(addon), { recursive: true });
    cpSync(piLayersAddon(arch, stateDir, log), addon);
    const tarball = join(stateDir, 'pi-package', `release-${arch.name}.tar`);
    execFileSync('tar', ['-C', dir, '-cf', tarball, 'dist', 'viewer']);
    releases.set(arch.name, { id, tarball, bytes: statSync(tarball).size });
  }
  return releases;
}

/** sdl_layers.node cross-built for `arch`, once per version of its source (about 5 s). */
export function piLayersAddon(arch: PiArch, stateDir: string, log: (line: string) => void): string {
  const sources = ['sdl_layers.c', 'binding.gyp'];
  const hash = createHash('sha256').update(`${arch.name}\n`);
  for (const file of sources) hash.update(readFileSync(join(CHECKOUT, 'viewer', 'native', file)));
  hash.update(readFileSync(join(CHECKOUT, 'deploy', 'build-sdl-cross.sh')));
  const dir = join(stateDir, 'pi-package', `sdl-layers-${arch.name}-${hash.digest('hex').slice(0, 16)}`);
  const built = join(dir, 'sdl_layers.node');
  if (!existsSync(built)) {
    const work = `${dir}.work`;
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
    for (const file of sources) cpSync(join(CHECKOUT, 'viewer', 'native', file), join(work, file));
    log(`release: cross-compiling sdl_layers for ${arch.name}`);
    execFileSync(join(CHECKOUT, 'deploy', 'build-sdl-cross.sh'), [work, arch.name, 'sdl_layers'], { stdio: ['ignore', 'ignore', 'inherit'] });
    mkdirSync(dir, { recursive: true });
    renameSync(join(work, 'dist', 'sdl_layers.node'), built);
    rmSync(work, { recursive: true, force: true });
  }
  return built;
}

function gitDescribe(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: CHECKOUT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: CHECKOUT, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${commit}-dirty` : commit;
  } catch {
    return 'nogit';
  }
}
