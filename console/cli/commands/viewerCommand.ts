import { runViewer } from '../../../viewer/runViewer.ts';
import { parseWindowSize, stringOption } from '../argumentParsers.ts';
import type { CommandContext } from '../command.ts';

export async function runViewerCommand({ config, values }: CommandContext): Promise<number | void> {
  const windowedText = stringOption(values, 'windowed');
  const windowed = windowedText === undefined ? undefined : parseWindowSize(windowedText, '--windowed');
  await runViewer({
    config,
    id: stringOption(values, 'id'),
    windowed,
  });
}
