import { connectEtcd } from '../../../common/etcd/etcdClient.ts';
import { homePaths } from '../../../common/homePaths.ts';
import { UserError } from '../../../common/userError.ts';
import { ConsoleApp } from '../../tui/app/consoleApp.ts';
import { openConsoleServices } from '../../tui/app/consoleServices.ts';
import { previewColorsFor } from '../../tui/preview/halfBlocks.ts';
import { consoleViews } from '../../tui/views/rootViews.ts';
import type { CommandContext } from '../command.ts';
import { DEMO_VIEWER_SCREEN_ENV } from '../../demo/demoEnvironment.ts';

/** The console on this terminal; `photoframe serve --ssh-port` gives the same console over SSH. */
export async function runConsole({ config }: CommandContext): Promise<number | void> {
  if (!process.stdout.isTTY || !process.stdin.isTTY) {
    throw new UserError('console needs a terminal; use the CLI commands (e.g. `photoframe displays --json`) in scripts');
  }
  const client = await connectEtcd(config.etcd, { callTimeoutMs: 10_000 });
  // `photoframe demo` says where its viewer draws; the console shows it in ? (the demo's own lines are hidden under the console).
  const viewerScreen = process.env[DEMO_VIEWER_SCREEN_ENV] || undefined;
  const services = await openConsoleServices(client, homePaths(config.home), config.etcd.endpoints.join(','), viewerScreen).catch((error) => {
    client.close();
    throw error;
  });
  process.stdin.setRawMode(true);
  process.stdin.resume();
  const app = new ConsoleApp(
    services,
    {
      input: process.stdin,
      output: process.stdout,
      columns: process.stdout.columns,
      rows: process.stdout.rows,
      terminal: process.env.TERM ?? 'xterm-256color',
      colorMode: previewColorsFor(process.env),
    },
    `console ${process.env.USER ?? ''}`.trim(),
    consoleViews,
  );
  try {
    await app.exited;
  } finally {
    process.stdin.setRawMode(false);
    process.stdin.pause();
    await services.close();
    client.close();
  }
}
