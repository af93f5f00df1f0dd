import { withEtcd } from '../../../common/config.ts';
import { loadEnrollment } from '../../../common/enrollment/enrollmentBundle.ts';
import { UserError } from '../../../common/userError.ts';
import { runViewer } from '../../../viewer/runViewer.ts';
import { parseHttpUrl, parseWindowSize, stringOption } from '../argumentParsers.ts';
import type { CommandContext } from '../command.ts';

export async function runViewerCommand({ config, values }: CommandContext): Promise<number | void> {
  const windowedText = stringOption(values, 'windowed');
  const windowed = windowedText === undefined ? undefined : parseWindowSize(windowedText, '--windowed');
  const downloadText = stringOption(values, 'download-url');
  const enrollmentDir = stringOption(values, 'enrollment') ?? (process.env.PHOTOFRAME_ENROLLMENT || undefined);
  const enrollment = enrollmentDir === undefined ? undefined : loadEnrollment(enrollmentDir);
  const id = stringOption(values, 'id');
  if (enrollment && id !== undefined && id !== enrollment.id) {
    throw new UserError(`--id ${id} contradicts the enrollment in ${enrollment.dir}, which is display ${enrollment.id}'s; drop --id`);
  }
  await runViewer({
    rebootCommand: stringOption(values, 'reboot-command'),
    downloadUrl: downloadText === undefined ? undefined : parseHttpUrl(downloadText, '--download-url'),
    // An enrollment carries its own endpoints and identity; --etcd and the console's files do not apply.
    config: enrollment ? withEtcd(config, enrollment.etcd) : config,
    id,
    windowed,
    enrollment,
  });
}
