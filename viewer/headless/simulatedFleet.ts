import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EtcdTarget } from '../../common/config.ts';
import type { FleetMessage, FleetProcessSpec } from './fleetProcessMain.ts';

export { listDigest } from './fleetProcessMain.ts';

const MAIN = fileURLToPath(new URL('./fleetProcessMain.ts', import.meta.url));

export interface FleetMember {
  id: string;
  etcd: EtcdTarget;
  /** Connects with its own enrolled identity (its certificate in `etcd.tls`). */
  enrolled?: boolean;
}

export interface FleetOptions {
  /** Processes the members are spread over (each member keeps its own etcd client). */
  processes: number;
  connectParallel?: number;
  /** One etcd client per process for all its members (see FleetProcessSpec.sharedClient); default: one per member. */
  sharedClient?: boolean;
}

/** What one member last reported: its list's digest and size, and when (ms since the epoch, sub-ms). */
export interface MemberList {
  digest: string;
  count: number;
  at: number;
}

/**
 * A fleet of headless viewers (headlessViewer.ts) for tests and benchmarks:
 * `members` spread over a few processes, each member with its own etcd
 * client, watch stream and leases, as a real fleet of displays would have
 * them. Reports what list each member holds, and when it got it.
 */
export class SimulatedFleet {
  readonly lists = new Map<string, MemberList>();
  readonly failures: { id: string; error: string }[] = [];
  /** Per process, once connected: how long setting up its members took and its memory then. */
  readonly processes: { ms: number; rssBytes: number }[] = [];
  private readonly waiters = new Set<() => void>();
  /** Told of each member's list report, before the waiters look. */
  private readonly reports = new Set<(id: string) => void>();

  private constructor(
    private readonly children: ChildProcess[],
    private readonly dir: string,
  ) {}

  static async start(members: readonly FleetMember[], options: FleetOptions): Promise<SimulatedFleet> {
    const dir = await mkdtemp(join(tmpdir(), 'photoframe-fleet-'));
    const per = Math.ceil(members.length / options.processes);
    const children: ChildProcess[] = [];
    const fleet = new SimulatedFleet(children, dir);
    const connected: Promise<void>[] = [];
    for (let index = 0; index * per < members.length; index++) {
      const spec: FleetProcessSpec = {
        members: members.slice(index * per, (index + 1) * per).map((m) => ({ id: m.id, etcd: m.etcd, enrolled: m.enrolled ?? false })),
        diskPath: dir,
        connectParallel: options.connectParallel ?? 16,
        sharedClient: options.sharedClient ?? false,
      };
      const specPath = join(dir, `process-${index}.json`);
      await writeFile(specPath, JSON.stringify(spec));
      const child = fork(MAIN, [specPath], {
        execArgv: ['--import', 'tsx', ...(process.env.PHOTOFRAME_FLEET_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PHOTOFRAME_FLEET_CPU_PROF}`] : [])],
        env: { ...process.env, PHOTOFRAME_LOG: process.env.PHOTOFRAME_FLEET_LOG ?? 'error' },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      children.push(child);
      connected.push(
        new Promise((resolve, reject) => {
          child.on('message', (message: FleetMessage) => {
            if (message.kind === 'connected') {
              fleet.processes.push({ ms: message.ms, rssBytes: message.rssBytes });
              resolve();
            } else fleet.receive(message);
          });
          child.once('exit', (code) => reject(new Error(`fleet process ${index} exited (${code}) before its members connected`)));
        }),
      );
    }
    try {
      await Promise.all(connected);
    } catch (error) {
      await fleet.close();
      throw error;
    }
    return fleet;
  }

  private receive(message: FleetMessage): void {
    if (message.kind === 'lists') {
      for (const { id, digest, count, at } of message.reports) {
        this.lists.set(id, { digest, count, at });
        for (const report of this.reports) report(id);
      }
    } else if (message.kind === 'failed') this.failures.push({ id: message.id, error: message.error });
    for (const wake of [...this.waiters]) wake();
  }

  /** Resolves once `done()` holds (checked as reports arrive); rejects after `timeoutMs` saying `what`. */
  until(done: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const wake = () => {
        if (!done()) return;
        this.waiters.delete(wake);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(wake);
        reject(new Error(`simulated fleet: ${what} not reached within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.add(wake);
    });
  }

  /**
   * Resolves when every member in `expected` reports that digest, with the
   * latest report time among them. Counted as reports arrive, one look per
   * report: this process shares the cores with the fleet and etcd it
   * measures, so checking all 1,000 members at each of 1,000 reports (a
   * million lookups a change) would slow what it times.
   */
  async allHold(expected: ReadonlyMap<string, string>, timeoutMs = 60_000): Promise<number> {
    const wrong = new Set<string>();
    for (const [id, digest] of expected) if (this.lists.get(id)?.digest !== digest) wrong.add(id);
    const track = (id: string) => {
      const digest = expected.get(id);
      if (digest === undefined) return;
      if (this.lists.get(id)?.digest === digest) wrong.delete(id);
      else wrong.add(id);
    };
    this.reports.add(track);
    try {
      await this.until(() => wrong.size === 0, `every member on its list (${expected.size} expected)`, timeoutMs).catch((error: Error) => {
        throw new Error(`${error.message}; ${wrong.size} members are not`);
      });
    } finally {
      this.reports.delete(track);
    }
    let latest = -Infinity;
    for (const id of expected.keys()) latest = Math.max(latest, this.lists.get(id)!.at);
    return latest;
  }

  async close(): Promise<void> {
    await Promise.all(
      this.children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
            child.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            if (child.connected) child.send({ kind: 'close' });
            else child.kill('SIGTERM');
          }),
      ),
    );
    await rm(this.dir, { recursive: true, force: true });
  }
}
