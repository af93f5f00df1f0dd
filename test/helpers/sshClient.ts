import ssh2, { type Client, type ClientChannel, type ConnectConfig } from 'ssh2';

export interface SshAttempt {
  /** 'ready' when logged in; otherwise the error ssh2 ended with (e.g. all methods failed). */
  outcome: 'ready' | Error;
  client: Client;
  /** Resolves when the TCP connection is gone. */
  closed: Promise<void>;
}

/** One login attempt with ssh2's own client, which sends whatever method it is given (password, keys…). */
export function sshConnect(port: number, config: Omit<ConnectConfig, 'host' | 'port'>, prepare?: (client: Client) => void): Promise<SshAttempt> {
  const client = new ssh2.Client();
  prepare?.(client);
  const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
  return new Promise((resolve) => {
    client.once('ready', () => resolve({ outcome: 'ready', client, closed }));
    client.once('error', (error) => resolve({ outcome: error, client, closed }));
    client.once('close', () => resolve({ outcome: new Error('connection closed before login'), client, closed }));
    client.connect({ host: '127.0.0.1', port, username: 'admin', readyTimeout: 20_000, ...config });
  });
}

/** A console shell on a logged-in client: what it printed so far, and a wait for some text. */
export async function openShell(client: Client, size = { cols: 100, rows: 30 }): Promise<{ channel: ClientChannel; waitFor(text: string, timeoutMs?: number): Promise<void> }> {
  const channel = await new Promise<ClientChannel>((resolve, reject) =>
    client.shell({ term: 'xterm-256color', ...size }, (error, stream) => (error ? reject(error) : resolve(stream))),
  );
  let output = '';
  channel.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return {
    channel,
    waitFor: (text, timeoutMs = 15_000) =>
      new Promise((resolve, reject) => {
        const started = Date.now();
        const poll = setInterval(() => {
          if (output.includes(text)) {
            clearInterval(poll);
            resolve();
          } else if (Date.now() - started > timeoutMs) {
            clearInterval(poll);
            reject(new Error(`the shell never showed ${text}; it printed ${output.length} bytes`));
          }
        }, 50);
      }),
  };
}
