import { runViewer } from '../../../viewer/runViewer.ts';
import { parseWindowSize, stringOption } from '../argumentParsers.ts';
import type { Command } from '../command.ts';

export const viewerCommand: Command = {
  name: 'viewer',
  summary: 'run a display: watch its keys in etcd and show the photos fullscreen',
  usage: 'photoframe viewer [--id ID] [--windowed WxH]',
  options: { id: { type: 'string' }, windowed: { type: 'string' } },
  async run({ config, values }) {
    const windowedText = stringOption(values, 'windowed');
    await runViewer({
      config,
      id: stringOption(values, 'id'),
      windowed: windowedText === undefined ? undefined : parseWindowSize(windowedText, '--windowed'),
    });
  },
};
