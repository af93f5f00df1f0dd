import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from './fixtures.ts';

/**
 * A stand-in for v4l-utils' `cec-ctl` on PATH: it records each call and
 * answers as a TV would, keeping its power state in a file (standby after
 * --standby, on after --image-view-on), so the viewer can read it back.
 */
export async function fakeCecCtl(): Promise<{ dir: string; calls(): Promise<string[]> }> {
  const dir = await tempDir('photoframe-fake-cec-');
  const log = join(dir, 'calls.log');
  const state = join(dir, 'tv-power');
  await writeFile(state, 'on\n');
  await writeFile(log, '');
  const script = `#!/bin/sh
echo "$*" >> '${log}'
case "$*" in
  *--playback*) echo "Physical Address           : 1.0.0.0" ;;
  *--standby*) echo standby > '${state}' ;;
  *--image-view-on*) echo on > '${state}' ;;
  *--give-device-power-status*) echo "    pwr-state: $(cat '${state}') (0x00)" ;;
esac
exit 0
`;
  await writeFile(join(dir, 'cec-ctl'), script);
  await chmod(join(dir, 'cec-ctl'), 0o755);
  return { dir, calls: async () => (await readFile(log, 'utf8')).split('\n').filter(Boolean) };
}
