import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildDist } from '../../scripts/buildDist.ts';

const UNIT = fileURLToPath(new URL('../../deploy/photoframe-viewer.service', import.meta.url));
// Inside the checkout, so the bundle finds node_modules; one per process, so runs side by side never share one.
const OWN_DIST = fileURLToPath(new URL(`../../.state/dist-${process.pid}/`, import.meta.url));

/** How a Pi runs the viewer: Node's flags, the environment the unit sets, and the bundled CLI. */
export interface DeployedViewer {
  nodeFlags: string[];
  env: Record<string, string>;
  cli: string;
}

/** Reads Node's flags and the environment out of the viewer's systemd unit, refusing what it does not understand. */
export function readViewerUnit(text: string): Omit<DeployedViewer, 'cli'> {
  const lines = text.split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'));
  const exec = lines.find((line) => line.startsWith('ExecStart='));
  if (exec === undefined) throw new Error('the viewer unit has no ExecStart=');
  const words = exec.slice('ExecStart='.length).split(/\s+/);
  const script = words.findIndex((word) => word.endsWith('/dist/photoframe.js'));
  if (!words[0]!.endsWith('/node') || script < 0 || words[script + 1] !== 'viewer') throw new Error(`unexpected ExecStart in the viewer unit: ${exec}`);
  const env: Record<string, string> = {};
  for (const line of lines.filter((l) => l.startsWith('Environment='))) {
    for (const assignment of line.slice('Environment='.length).split(/\s+/)) {
      const match = /^([A-Z_][A-Z0-9_]*)=([^"'\\\s]*)$/.exec(assignment);
      if (!match) throw new Error(`cannot read "${assignment}" in the viewer unit (quoting is not supported here)`);
      env[match[1]!] = match[2]!;
    }
  }
  return { nodeFlags: words.slice(1, script), env };
}

let cli: string | null = null;

/** The viewer as deployed, bundled once per process from the sources under test, so a test never runs a stale dist/. */
export function deployedViewer(): DeployedViewer {
  if (cli === null && process.env.PHOTOFRAME_TEST_BUNDLE) cli = process.env.PHOTOFRAME_TEST_BUNDLE;
  if (cli === null) {
    cli = buildDist(OWN_DIST);
    process.once('exit', () => rmSync(OWN_DIST, { recursive: true, force: true }));
  }
  return { ...readViewerUnit(readFileSync(UNIT, 'utf8')), cli };
}
