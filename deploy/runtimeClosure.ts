/**
 * Which installed packages the viewer can reach at run time, read from an npm
 * lockfile: the closure of the roots' dependencies, skipping those a package
 * needs only to install itself. @kmamal/sdl depends on node-gyp and tar for
 * its install script (build or download the addon); the addon is
 * cross-compiled on the console host (deploy/build-sdl-cross.sh), so on a Pi
 * they and everything only they pull in are dead weight (~15 MB of 51).
 * Pure: piPackage.ts deletes what this leaves out.
 */

interface LockEntry {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

export interface Lockfile {
  packages: Record<string, LockEntry>;
}

/** Dependencies of a package used only by its install script, by package name. */
export const INSTALL_ONLY: Record<string, readonly string[]> = {
  '@kmamal/sdl': ['node-gyp', 'tar'],
};

/** The lockfile paths (`node_modules/a/node_modules/b`) reachable from `roots`. */
export function runtimeClosure(lock: Lockfile, roots: readonly string[], installOnly = INSTALL_ONLY): Set<string> {
  const reached = new Set<string>();
  const visit = (path: string, name: string) => {
    if (reached.has(path)) return;
    reached.add(path);
    const entry = lock.packages[path]!;
    const skip = installOnly[name] ?? [];
    for (const dependency of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })) {
      if (skip.includes(dependency)) continue;
      const found = resolveFrom(lock, path, dependency);
      if (found !== null) visit(found, dependency);
    }
  };
  for (const root of roots) {
    const path = `node_modules/${root}`;
    if (!(path in lock.packages)) throw new Error(`${root} is not in the lockfile`);
    visit(path, root);
  }
  return reached;
}

/** Node's lookup: the nearest node_modules/NAME walking up from the requiring package's folder. */
function resolveFrom(lock: Lockfile, from: string, name: string): string | null {
  let base = from;
  for (;;) {
    const candidate = `${base}/node_modules/${name}`;
    if (candidate in lock.packages) return candidate;
    const at = base.lastIndexOf('/node_modules/');
    if (at < 0) break;
    base = base.slice(0, at);
  }
  // base is now "node_modules/x" (or "node_modules/@scope/x"): try the top level.
  const top = `node_modules/${name}`;
  return top in lock.packages ? top : null;
}
