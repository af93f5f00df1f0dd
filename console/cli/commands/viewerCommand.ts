import { runViewer } from '../../../viewer/runViewer.ts';
import { parseHttpUrl, parseWindowSize, stringOption } from '../argumentParsers.ts';
import type { CommandContext } from '../command.ts';

export async function runViewerCommand({ config, values }: CommandContext): Promise<number | void> {
  const windowedText = stringOption(values, 'windowed');
  const windowed = windowedText === undefined ? undefined : parseWindowSize(windowedText, '--windowed');
  const downloadText = stringOption(values, 'download-url');
  await runViewer({
    rebootCommand: stringOption(values, 'reboot-command'),
    downloadUrl: downloadText === undefined ? undefined : parseHttpUrl(downloadText, '--download-url'),
    config,
    id: stringOption(values, 'id'),
    windowed,
  });
}
