import { connectEtcd } from '../../../common/etcd/etcdClient.ts';
import { homePaths } from '../../../common/homePaths.ts';
import { UserError } from '../../../common/userError.ts';
import { ConsoleData } from '../../tui/consoleData.ts';
import { ConsoleScreen } from '../../tui/consoleScreen.ts';
import type { CommandContext } from '../command.ts';

export async function runConsole({ config }: CommandContext): Promise<number | void> {
  if (!process.stdout.isTTY || !process.stdin.isTTY) {
    throw new UserError('console needs a terminal; use the CLI commands (e.g. `photoframe displays --json`) in scripts');
  }
  const client = await connectEtcd(config.etcdEndpoints, { callTimeoutMs: 10_000 });
  const data = new ConsoleData(client, homePaths(config.home));
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const screen = new ConsoleScreen(config.etcdEndpoints.join(','), {
    onQuit: () => finish(),
    onReload: () => void reload('reloaded'),
  });
  // Bursts of changes (a display starting writes two keys) coalesce into one redraw.
  let reloading: Promise<void> | null = null;
  let again = false;
  const reload = async (message = ''): Promise<void> => {
    if (reloading) {
      again = true;
      return reloading;
    }
    reloading = (async () => {
      do {
        again = false;
        try {
          screen.update(await data.load(), message);
        } catch (error) {
          screen.showError(`cannot load: ${(error as Error).message}`);
        }
      } while (again);
    })().finally(() => (reloading = null));
    return reloading;
  };
  try {
    await reload();
    await data.subscribe(() => void reload());
    await finished;
  } finally {
    screen.destroy();
    await data.close();
    client.close();
  }
}
