import type { ThrottlingValue } from '../common/protocol/codecs/viewerStatusCodec.ts';
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The Pi firmware's throttling word, decoded (`vcgencmd get_throttled`, or its sysfs twin): as the status key carries it. */
export type Throttling = ThrottlingValue;

const BITS: [number, 'undervoltage' | 'capped' | 'throttled' | 'soft_temp_limit'][] = [
  [0, 'undervoltage'],
  [1, 'capped'],
  [2, 'throttled'],
  [3, 'soft_temp_limit'],
];

/** Reads "throttled=0x50005" or "50005" (hex either way); null for anything else. */
export function parseThrottled(text: string): Throttling | null {
  const match = /(?:throttled=)?(?:0x)?([0-9a-f]+)\s*$/i.exec(text.trim());
  if (!match) return null;
  const word = parseInt(match[1]!, 16);
  if (!Number.isFinite(word)) return null;
  const now = (bit: number) => (word & (1 << bit)) !== 0;
  return {
    raw: `0x${word.toString(16)}`,
    undervoltage: now(0),
    capped: now(1),
    throttled: now(2),
    soft_temp_limit: now(3),
    occurred: BITS.filter(([bit]) => (word & (1 << (bit + 16))) !== 0).map(([, name]) => name),
  };
}

let noVcgencmd = false;
const FIRMWARE_THROTTLED = '/sys/devices/platform/soc/soc:firmware/get_throttled';

/** The Pi's throttling: the firmware's sysfs value, else vcgencmd; null off a Pi. */
export async function readThrottling(): Promise<Throttling | null> {
  const fromSysfs = await readFile(FIRMWARE_THROTTLED, 'utf8').catch(() => null);
  if (fromSysfs !== null) return parseThrottled(fromSysfs);
  if (noVcgencmd) return null;
  return new Promise((resolve) => {
    execFile('vcgencmd', ['get_throttled'], { timeout: 5000 }, (error, stdout) => {
      // Not a Pi (or no firmware tools): not worth a process every status.
      if ((error as NodeJS.ErrnoException | null)?.code === 'ENOENT') noVcgencmd = true;
      resolve(error ? null : parseThrottled(stdout));
    });
  });
}

/** The CPU's temperature in °C: the thermal zone of the CPU (or the first there is); null if none. */
export async function readCpuTemperature(root = '/sys/class/thermal'): Promise<number | null> {
  const zones = (await readdir(root).catch(() => [] as string[])).filter((name) => name.startsWith('thermal_zone')).sort();
  let chosen: string | null = null;
  for (const zone of zones) {
    const type = (await readFile(join(root, zone, 'type'), 'utf8').catch(() => '')).trim();
    if (/cpu|x86_pkg|soc/i.test(type)) {
      chosen = zone;
      break;
    }
    chosen ??= zone;
  }
  if (chosen === null) return null;
  const milli = Number((await readFile(join(root, chosen, 'temp'), 'utf8').catch(() => '')).trim());
  return Number.isFinite(milli) && milli !== 0 ? Math.round(milli / 100) / 10 : null;
}
