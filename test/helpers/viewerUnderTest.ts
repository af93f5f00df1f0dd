import { deployedViewer } from './deployedViewer.ts';
import { startNodeProcess, type LongRunning } from './runCli.ts';

/**
 * A viewer process as on a Pi: the bundled CLI with the Node flags and
 * environment of the systemd unit, its own home, drawing on an Xvfb screen,
 * talking to a real etcd.
 */
export function startViewerProcess(options: {
  etcdEndpoint: string;
  home: string;
  id: string;
  display: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
}): LongRunning {
  const deployed = deployedViewer();
  const args = ['--etcd', options.etcdEndpoint, '--home', options.home, 'viewer', '--id', options.id, ...(options.args ?? [])];
  return startNodeProcess([...deployed.nodeFlags, deployed.cli, ...args], {
    ...deployed.env,
    DISPLAY: options.display,
    PHOTOFRAME_LOG: 'info',
    ...options.env,
  });
}
