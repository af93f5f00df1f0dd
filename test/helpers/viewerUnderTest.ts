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
  /** Ignored with an enrollment, which carries the id (in its certificate) and the endpoints. */
  id: string;
  /** A display's enrollment bundle: the viewer connects over mutual TLS as that display. */
  enrollment?: string;
  display: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
}): LongRunning {
  const deployed = deployedViewer();
  const args = options.enrollment
    ? ['--home', options.home, 'viewer', '--enrollment', options.enrollment, ...(options.args ?? [])]
    : ['--etcd', options.etcdEndpoint, '--home', options.home, 'viewer', '--id', options.id, ...(options.args ?? [])];
  return startNodeProcess([...deployed.nodeFlags, deployed.cli, ...args], {
    ...deployed.env,
    DISPLAY: options.display,
    PHOTOFRAME_LOG: 'info',
    ...options.env,
  });
}
