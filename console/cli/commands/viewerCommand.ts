import { parseWindowSize, stringOption } from '../argumentParsers.ts';
import type { Command } from '../command.ts';

export const viewerCommand: Command = {
  name: 'viewer',
  summary: 'run a display: watch its keys in etcd and show the photos fullscreen',
  usage: 'photoframe viewer [--id ID] [--windowed WxH]',
  options: { id: { type: 'string' }, windowed: { type: 'string' } },
  async run({ config, values }) {
    const windowedText = stringOption(values, 'windowed');
    const windowed = windowedText === undefined ? undefined : parseWindowSize(windowedText, '--windowed');
    // Loaded on demand: SDL initialises (and talks to the display) as soon as it is imported.
    const { runViewer } = await import('../../../viewer/runViewer.ts');
    await runViewer({
      config,
      id: stringOption(values, 'id'),
      windowed,
    });
  },
};
