import { spawn } from 'node:child_process';

/** openssl failed: the command's own last line of complaint, for the message. */
export class OpensslError extends Error {
  constructor(
    readonly what: string,
    readonly stderr: string,
  ) {
    const reason = stderr.trim().split('\n').filter(Boolean).at(-1) ?? 'no output';
    super(`cannot ${what}: openssl says ${reason}`);
    this.name = 'OpensslError';
  }
}

export class OpensslMissingError extends Error {
  constructor() {
    super('cannot make certificates: the openssl command is not installed (apt-get install openssl; make setup does)');
    this.name = 'OpensslMissingError';
  }
}

/**
 * Runs Debian's openssl. Certificates are made by it rather than by code of
 * ours, so no ASN.1 is written here.
 */
export function runOpenssl(args: string[], what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
    child.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'ENOENT' ? new OpensslMissingError() : error));
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new OpensslError(what, stderr))));
  });
}

/**
 * Runs openssl once per `argsEach` arguments of `args`, `parallel` at once,
 * all started by one xargs (findutils, in every Debian). Resolves with
 * openssl's complaints (the last few KiB of its stderr) once all have
 * ended, whether or not each succeeded: the caller checks each command's
 * output files. Rejects only when openssl or xargs cannot run at all.
 */
export function runOpensslMany(args: readonly string[], argsEach: number, parallel: number): Promise<string> {
  return new Promise((resolve, reject) => {
    if (args.some((arg) => arg.includes('\0'))) return reject(new Error('an openssl argument holds a NUL byte'));
    const child = spawn('xargs', ['-0', '-r', '-n', String(argsEach), '-P', String(Math.max(1, parallel)), 'openssl'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
    child.once('error', reject);
    // xargs: 123 when some command failed (each is checked by its files), 127 when openssl is missing.
    child.once('exit', (code) => (code === 0 || code === 123 ? resolve(stderr) : reject(code === 127 ? new OpensslMissingError() : new OpensslError('run openssl through xargs', stderr || `xargs exited ${code}`))));
    child.stdin.on('error', () => {});
    child.stdin.end(args.map((arg) => `${arg}\0`).join(''));
  });
}
