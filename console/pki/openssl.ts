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
