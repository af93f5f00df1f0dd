import { startCli, type LongRunning } from './runCli.ts';

/** A viewer process as on a Pi: its own home, drawing on an Xvfb screen, talking to a real etcd. */
export function startViewerProcess(options: {
  etcdEndpoint: string;
  home: string;
  id: string;
  display: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
}): LongRunning {
  return startCli(['--etcd', options.etcdEndpoint, '--home', options.home, 'viewer', '--id', options.id, ...(options.args ?? [])], {
    DISPLAY: options.display,
    PHOTOFRAME_LOG: 'info',
    ...options.env,
  });
}
