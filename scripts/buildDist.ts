/**
 * Bundles the CLI for the displays: plain JavaScript that Node runs with no
 * loader (tsx's loader runs on its own thread, ~30 MB that a 512 MB Pi Zero 2 W
 * should not pay, and it compiles every module at each start). Commands stay
 * in their own chunks, so the viewer never loads the console. Packages stay
 * outside the bundle: sharp and SDL find their native parts, and etcd3 its
 * .proto files, next to their own code in node_modules; so the output folder
 * must sit inside this checkout.
 *
 * `make setup` builds dist/; `make deploy` builds the copy it sends the Pis
 * (deploy/piPackage.ts), which their systemd unit runs; tests and benchmarks
 * build their own copy from the sources they run with (test/helpers/deployedViewer.ts),
 * all with this one function.
 */
import { buildSync, type BuildOptions } from 'esbuild';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DIST_DIR = fileURLToPath(new URL('../dist/', import.meta.url));
const ENTRY = fileURLToPath(new URL('../console/cli/runCli.ts', import.meta.url));

/**
 * Builds into `outdir` (emptied first) and returns the path of the CLI to run
 * with node. `entry` is another tree's runCli.ts when a benchmark bundles an
 * older version of the sources the same way.
 */
export function buildDist(outdir = DIST_DIR, entry = ENTRY): string {
  rmSync(outdir, { recursive: true, force: true });
  const options: BuildOptions = {
    entryPoints: { photoframe: entry },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    logLevel: 'warning',
  };
  buildSync(options);
  return join(outdir, 'photoframe.js');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = performance.now();
  const cli = buildDist();
  process.stdout.write(`dist: ${cli} (${Math.round(performance.now() - started)} ms)\n`);
}
