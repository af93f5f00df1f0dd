import { connectEtcd } from '../../../common/etcd/etcdClient.ts';
import { homePaths } from '../../../common/homePaths.ts';
import { UserError } from '../../../common/userError.ts';
import type { Command } from '../command.ts';

export const consoleCommand: Command = {
  name: 'console',
  summary: 'the terminal console: displays and albums, live from etcd and the library',
  usage: 'photoframe console',
  options: {},
  async run({ config }) {
    if (!process.stdout.isTTY || !process.stdin.isTTY) {
      throw new UserError('console needs a terminal; use the CLI commands (e.g. `photoframe displays --json`) in scripts');
    }
    const client = await connectEtcd(config.etcdEndpoints, { callTimeoutMs: 10_000 });
    // blessed is large; only the console pays for loading it.
    const [{ ConsoleData }, { ConsoleScreen }] = await Promise.all([import('../../tui/consoleData.ts'), import('../../tui/consoleScreen.ts')]);
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
  },
};
