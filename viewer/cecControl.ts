import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import type { Logger } from '../common/log.ts';

/** What the TV says about its power, or what was last commanded when it cannot say. */
export type ScreenPowerReading = 'on' | 'standby' | 'unknown';

export interface ScreenPower {
  /** The screen's power as last read back over CEC, else as commanded; `source` says which. */
  power: 'on' | 'off' | 'standby' | 'unknown';
  source: 'cec' | 'commanded';
  /** How the TV is reached: a CEC tool, or none (the window is only blanked). */
  method: 'cec-ctl' | 'cec-client' | 'none';
}

/** A CEC tool failed: it ran but exited non-zero, or could not be run. */
export class CecCommandError extends Error {
  constructor(
    readonly tool: string,
    readonly args: readonly string[],
    cause: Error,
  ) {
    super(`${tool} ${args.join(' ')} failed: ${cause.message.split('\n')[0]}`, { cause });
    this.name = 'CecCommandError';
  }
}

/** The commands for one tool: standby, wake (and be the active source), and a power query. */
interface CecTool {
  name: 'cec-ctl' | 'cec-client';
  path: string;
  standby(): Promise<void>;
  wake(): Promise<void>;
  read(): Promise<ScreenPowerReading>;
}

const COMMAND_TIMEOUT_MS = 15_000;

function run(path: string, args: readonly string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(path, args, { timeout: COMMAND_TIMEOUT_MS }, (error, stdout) => {
      if (error) reject(new CecCommandError(path.split('/').pop()!, args, error));
      else resolve(stdout);
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Reads a CEC power status as either tool prints it ("pwr-state: standby", "power status: on"). */
export function readPowerStatus(output: string): ScreenPowerReading {
  const match = /(?:pwr-state|power status)\s*:\s*([a-z-]+)/i.exec(output);
  const word = match?.[1]?.toLowerCase() ?? '';
  if (word === 'on' || word.startsWith('to-on') || word.startsWith('in transition from standby')) return 'on';
  if (word === 'standby' || word.startsWith('to-standby')) return 'standby';
  return 'unknown';
}

/** v4l-utils' cec-ctl on the kernel's CEC device (on a Pi, /dev/cec0 or /dev/cec1 from the vc4 KMS driver). */
function cecCtl(path: string, device: string): CecTool {
  const ctl = (...args: string[]) => run(path, ['-d', device, ...args]);
  let registered: Promise<string> | null = null;
  // The adapter must claim a logical address (as a playback device) before it may send.
  const register = () => (registered ??= ctl('--playback').catch((error: Error) => ((registered = null), Promise.reject(error))));
  return {
    name: 'cec-ctl',
    path,
    standby: async () => {
      await register();
      await ctl('--to', '0', '--standby');
    },
    wake: async () => {
      const info = await register();
      await ctl('--to', '0', '--image-view-on');
      const address = /Physical Address\s*:\s*([0-9a-f]\.[0-9a-f]\.[0-9a-f]\.[0-9a-f])/i.exec(info)?.[1];
      if (address) await ctl('--to', '0', '--active-source', `phys-addr=${address}`);
    },
    read: async () => {
      await register();
      return readPowerStatus(await ctl('--to', '0', '--give-device-power-status'));
    },
  };
}

/** libcec's cec-client, one command per run (-s), as a playback device (-t p), quiet (-d 1). */
function cecClient(path: string): CecTool {
  const send = (command: string) => run(path, ['-s', '-t', 'p', '-d', '1'], `${command}\n`);
  return {
    name: 'cec-client',
    path,
    standby: async () => void (await send('standby 0')),
    wake: async () => {
      await send('on 0');
      await send('as');
    },
    read: async () => readPowerStatus(await send('pow 0')),
  };
}

async function onPath(name: string, pathVariable: string | undefined): Promise<string | null> {
  for (const dir of (pathVariable ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/**
 * Puts the TV in standby and wakes it over HDMI-CEC, with whichever tool is
 * installed (cec-ctl first: it talks to the kernel's CEC device directly), and
 * reads its power back. One command runs at a time; a request made meanwhile
 * replaces any still waiting, so a quick off-on ends on. Without a tool the
 * window is only blanked (by the app) and the TV left to its own settings.
 */
export class ScreenPowerControl {
  private state: ScreenPower;
  private queue: Promise<void> = Promise.resolve();
  private wanted: boolean | null = null;

  private constructor(
    private readonly tool: CecTool | null,
    private readonly log: Logger,
    private readonly changed: () => void,
  ) {
    this.state = { power: 'unknown', source: 'commanded', method: tool?.name ?? 'none' };
  }

  /** `changed`: the screen's power as reported changed. A failure is logged as a warning (and so becomes the status's last error). */
  static async find(options: { env: NodeJS.ProcessEnv; log: Logger; changed: () => void }): Promise<ScreenPowerControl> {
    const device = options.env.PHOTOFRAME_CEC_DEVICE || '/dev/cec0';
    const ctlPath = await onPath('cec-ctl', options.env.PATH);
    const clientPath = ctlPath ? null : await onPath('cec-client', options.env.PATH);
    const tool = ctlPath ? cecCtl(ctlPath, device) : clientPath ? cecClient(clientPath) : null;
    if (tool) options.log.info('screen power over HDMI-CEC', { tool: tool.path, ...(tool.name === 'cec-ctl' ? { device } : {}) });
    else options.log.info('no cec-ctl or cec-client on PATH: screen off is a black window');
    return new ScreenPowerControl(tool, options.log, options.changed);
  }

  get current(): ScreenPower {
    return this.state;
  }

  /** Asks for the screen on or off; returns when this (or a newer) request has been carried out. */
  set(on: boolean): Promise<void> {
    this.wanted = on;
    this.queue = this.queue.then(() => this.apply());
    return this.queue;
  }

  private async apply(): Promise<void> {
    const on = this.wanted;
    if (on === null) return;
    this.wanted = null;
    const commanded: ScreenPower['power'] = on ? 'on' : 'off';
    if (!this.tool) return this.report({ power: commanded, source: 'commanded', method: 'none' });
    try {
      await (on ? this.tool.wake() : this.tool.standby());
      this.log.info(on ? 'TV woken over HDMI-CEC' : 'TV put in standby over HDMI-CEC');
      const reading = await this.tool.read().catch(() => 'unknown' as const);
      this.report(reading === 'unknown' ? { power: commanded, source: 'commanded', method: this.tool.name } : { power: reading, source: 'cec', method: this.tool.name });
    } catch (error) {
      this.log.warn(`cannot ${on ? 'wake' : 'put in standby'} the TV over HDMI-CEC: ${(error as Error).message}`);
      this.report({ power: commanded, source: 'commanded', method: this.tool.name });
    }
  }

  private report(state: ScreenPower): void {
    const before = this.state;
    this.state = state;
    if (before.power !== state.power || before.source !== state.source) this.changed();
  }
}
