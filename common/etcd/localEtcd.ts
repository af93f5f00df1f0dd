import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { freePorts } from '../net/freePort.ts';
import { stopChildProcess } from '../process/stopChildProcess.ts';

/**
 * Starts Debian's etcd on loopback for the demo, `make etcd` and the tests.
 * Readiness is read from etcd's own log ("serving client traffic")
 * rather than by polling its port.
 */
export interface LocalEtcdOptions {
  dataDir: string;
  /** 0 or absent: pick a free port. */
  clientPort?: number;
  peerPort?: number;
  /** Mirror etcd's log lines here (e.g. process.stderr for `make etcd`). */
  logTo?: NodeJS.WritableStream;
  startTimeoutMs?: number;
  /**
   * Client TLS: etcd serves https:// only and admits only clients with a
   * certificate from this CA (`--client-cert-auth`), whose common name is
   * their etcd user once auth is enabled.
   */
  tls?: LocalEtcdTls;
}

export interface LocalEtcdTls {
  caCert: string;
  serverCert: string;
  serverKey: string;
}

export interface LocalEtcd extends EtcdProcess {
  endpoint: string;
  clientPort: number;
  peerPort: number;
}

// etcd 3.4 with the zap logger says "serving client traffic (in)securely"; older loggers said "ready to serve".
const READY_MESSAGE = /serving client traffic|ready to serve client requests/;

export async function startLocalEtcd(options: LocalEtcdOptions): Promise<LocalEtcd> {
  const explicitPorts = Boolean(options.clientPort);
  // Free ports can be taken between probing and binding; try again with new ones then.
  for (let attempt = 1; ; attempt++) {
    // Both at once: probed one after the other, the same port could come back twice.
    const [freeClient, freePeer] = await freePorts(2);
    const clientPort = options.clientPort || freeClient!;
    const peerPort = options.peerPort || freePeer!;
    try {
      return await launch(options, clientPort, peerPort);
    } catch (error) {
      const portClash = /address already in use/i.test((error as Error).message);
      if (!portClash || explicitPorts || attempt >= 3) throw error;
    }
  }
}

async function launch(options: LocalEtcdOptions, clientPort: number, peerPort: number): Promise<LocalEtcd> {
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const clientUrl = `${options.tls ? 'https' : 'http'}://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const member = await startEtcdProcess(
    [
      '--name', 'photoframe',
      '--data-dir', options.dataDir,
      '--listen-client-urls', clientUrl,
      '--advertise-client-urls', clientUrl,
      '--listen-peer-urls', peerUrl,
      '--initial-advertise-peer-urls', peerUrl,
      '--initial-cluster', `photoframe=${peerUrl}`,
      ...(options.tls
        ? ['--cert-file', options.tls.serverCert, '--key-file', options.tls.serverKey, '--trusted-ca-file', options.tls.caCert, '--client-cert-auth']
        : []),
    ],
    options,
  );
  return { endpoint: clientUrl, clientPort, peerPort, ...member };
}

export interface EtcdProcess {
  pid: number;
  /** Resolves when etcd has exited; SIGKILLs it if it has not stopped within 5 s. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash or power loss would end it; resolves once it has exited. */
  kill(): Promise<void>;
  exited: Promise<number | null>;
}

export interface EtcdProcessOptions {
  logTo?: NodeJS.WritableStream;
  startTimeoutMs?: number;
  /** Run etcd with this group id (a test tells its packets apart by their owner). */
  gid?: number;
}

/**
 * Runs one etcd with the given flags (plus its zap logger on stderr) and
 * resolves once it serves clients. A cluster member is only ready once a
 * quorum has formed, so a cluster's members are started together.
 */
export async function startEtcdProcess(args: string[], options: EtcdProcessOptions = {}): Promise<EtcdProcess> {
  let child: ChildProcess;
  try {
    child = spawn('etcd', [...args, '--logger', 'zap', '--log-outputs', 'stderr'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      ...(options.gid !== undefined ? { gid: options.gid } : {}),
    });
  } catch (error) {
    throw new Error(`cannot start etcd: ${(error as Error).message}; install etcd-server (make setup does)`);
  }

  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // If our process ends without stopping etcd (a crashed test run, an uncaught error), take etcd with it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  void exited.then(() => process.off('exit', killOnExit));
  const recentLines: string[] = [];
  const ready = new Promise<void>((resolve, reject) => {
    let buffered = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      options.logTo?.write(chunk);
      buffered += chunk;
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        recentLines.push(line);
        if (recentLines.length > 20) recentLines.shift();
        if (READY_MESSAGE.test(line)) resolve();
      }
    });
    child.once('error', (error) =>
      reject(new Error(`cannot start etcd: ${error.message}; install etcd-server (make setup does)`)),
    );
    void exited.then((code) => reject(new Error(`etcd exited with code ${code} before it was ready: ${lastProblem(recentLines)}`)));
  });

  const timeoutMs = options.startTimeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`etcd was not ready after ${timeoutMs} ms`)), timeoutMs);
  });
  const stop = () => stopChildProcess(child);
  try {
    await Promise.race([ready, timeout]);
  } catch (error) {
    await stop();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  const kill = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await exited;
  };
  return { pid: child.pid!, stop, kill, exited };
}

/** The reason in etcd's last error or fatal log record, as one line. */
export function lastProblem(lines: readonly string[]): string {
  for (const line of [...lines].reverse()) {
    try {
      const record = JSON.parse(line) as { level?: string; msg?: string; error?: string };
      if (record.level === 'error' || record.level === 'fatal' || record.level === 'panic') {
        return [record.msg, record.error].filter(Boolean).join(': ');
      }
    } catch {
      // Not a JSON record (an older logger's line): fall through to the raw text.
    }
  }
  return lines.at(-1)?.trim() || 'no log output';
}
