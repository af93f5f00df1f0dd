import { timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import ssh2, { type Connection, type ServerChannel } from 'ssh2';
import type { Logger } from '../../common/log.ts';
import { ConsoleApp } from '../tui/app/consoleApp.ts';
import type { ConsoleServices } from '../tui/app/consoleServices.ts';
import { clampTerminalSize } from '../tui/app/terminalSize.ts';
import { previewColorsFor } from '../tui/preview/halfBlocks.ts';
import { consoleViews } from '../tui/views/rootViews.ts';
import { readAuthorizedKeys } from './authorizedKeys.ts';
import type { HostKey } from './hostKey.ts';
import { DEFAULT_LOGIN_LIMITS, PendingLogins, type LoginLimits } from './unauthenticatedLimits.ts';

export interface SshConsoleOptions {
  port: number;
  host: string;
  hostKey: HostKey;
  authorizedKeysPath: string;
  services: ConsoleServices;
  log: Logger;
  /** Defaults to DEFAULT_LOGIN_LIMITS; tests shorten the deadline. */
  loginLimits?: Partial<LoginLimits>;
}

export interface SshConsoleServer {
  port: number;
  /** Sessions open now. */
  sessions(): number;
  close(): Promise<void>;
}

/**
 * The console over SSH: public keys only, each shell its own console session
 * on the channel, all sessions sharing the process's services. A failing
 * connection or session is logged and ends alone.
 */
export async function startSshConsole(options: SshConsoleOptions): Promise<SshConsoleServer> {
  const { services, log } = options;
  const apps = new Set<ConsoleApp>();
  const connections = new Set<Connection>();
  const limits: LoginLimits = { ...DEFAULT_LOGIN_LIMITS, ...options.loginLimits };
  const pending = new PendingLogins(limits);
  const server = new ssh2.Server({ hostKeys: [options.hostKey.privateKey] }, (client, info) => {
    const release = pending.admit(info.ip);
    if (!release) {
      log.warn('ssh connection refused: too many logins in progress', { from: info.ip });
      client.on('error', () => {});
      client.end();
      return;
    }
    connections.add(client);
    let username = '';
    let failures = 0;
    const deadline = setTimeout(() => {
      log.warn('ssh connection ended: no login in time', { from: info.ip, seconds: limits.authTimeoutMs / 1000 });
      client.end();
    }, limits.authTimeoutMs);
    const loggedIn = () => {
      clearTimeout(deadline);
      release();
    };
    const refuse = (context: ssh2.AuthContext, reason: string) => {
      // 'none' is how every client asks which methods exist; it is no attempt.
      if (context.method !== 'none') {
        failures += 1;
        log.warn(`ssh login refused: ${reason}`, { user: context.username, method: context.method, from: info.ip });
      }
      context.reject(['publickey']);
      if (failures >= limits.maxAuthFailures) {
        log.warn('ssh connection ended: too many refused logins', { from: info.ip, attempts: failures });
        client.end();
      }
    };
    client.on('error', (error) => log.debug('ssh connection error', { from: info.ip, error: error.message }));
    client.on('close', () => {
      loggedIn();
      connections.delete(client);
    });
    client.on('authentication', (context) => {
      if (context.method !== 'publickey') return refuse(context, 'public keys only');
      void readAuthorizedKeys(options.authorizedKeysPath)
        .then((keys) => {
          const offered = context.key;
          const match = keys.find((key) => {
            const blob = key.getPublicSSH();
            return key.type === offered.algo && blob.length === offered.data.length && timingSafeEqual(blob, offered.data);
          });
          // Without a signature the client only asks whether the key would do; with one it proves it holds it.
          if (!match) return refuse(context, 'key not authorized');
          if (context.signature && match.verify(context.blob!, context.signature, context.hashAlgo) !== true) return refuse(context, 'bad signature');
          username = context.username;
          context.accept();
        })
        .catch((error) => {
          log.error('cannot read authorized keys', { path: options.authorizedKeysPath, error: (error as Error).message });
          refuse(context, 'authorized keys unreadable');
        });
    });
    client.on('ready', () => {
      loggedIn();
      log.info('ssh login', { user: username, from: info.ip });
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        const terminal = { columns: 80, rows: 24, term: 'xterm-256color', env: {} as Record<string, string> };
        let app: ConsoleApp | null = null;
        session.on('pty', (accept, _reject, pty) => {
          Object.assign(terminal, clampTerminalSize({ columns: pty.cols, rows: pty.rows }, terminal));
          terminal.term = pty.term || terminal.term;
          accept?.();
        });
        session.on('window-change', (accept, _reject, size) => {
          Object.assign(terminal, clampTerminalSize({ columns: size.cols, rows: size.rows }, terminal));
          app?.resize(terminal.columns, terminal.rows);
          accept?.();
        });
        session.on('env', (accept, _reject, env) => {
          terminal.env[env.key] = env.val;
          accept?.();
        });
        session.on('exec', (_accept, reject) => reject?.());
        session.on('shell', (accept) => {
          const channel: ServerChannel = accept();
          channel.on('error', (error: Error) => log.debug('ssh channel error', { user: username, error: error.message }));
          try {
            app = new ConsoleApp(
              services,
              {
                input: channel,
                output: channel,
                columns: terminal.columns,
                rows: terminal.rows,
                terminal: terminal.term,
                colorMode: previewColorsFor({ COLORTERM: terminal.env.COLORTERM, TERM: terminal.term }),
              },
              `ssh ${username}@${info.ip}`,
              consoleViews,
            );
          } catch (error) {
            log.error('cannot start a console session', { user: username, error: (error as Error).message });
            channel.stderr.write(`photoframe: cannot start the console: ${(error as Error).message}\r\n`);
            channel.exit(1);
            channel.end();
            return;
          }
          const opened = app;
          apps.add(opened);
          services.events.add(opened.who, 'logged in');
          void opened.exited.then(() => {
            apps.delete(opened);
            services.events.add(opened.who, 'logged out');
            if (!channel.destroyed) {
              channel.exit(0);
              channel.end();
            }
          });
          channel.on('close', () => opened.close());
        });
      });
    });
  });
  server.listen(options.port, options.host);
  await once(server, 'listening');
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : options.port,
    sessions: () => apps.size,
    close: async () => {
      for (const app of apps) app.close();
      for (const client of connections) client.end();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
