import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../common/atomicFile.ts';
import { isDisplayId } from '../common/protocol/displayKeys.ts';
import { UserError } from '../common/userError.ts';

/**
 * A display's id: `--id` when given, else the one in its config, else a new
 * UUID written to the config so the display keeps its identity across boots.
 */
export async function resolveViewerId(flagId: string | undefined, configPath: string): Promise<string> {
  if (flagId !== undefined) {
    if (!isDisplayId(flagId)) {
      throw new UserError(`--id "${flagId}" is not a valid display id: use letters, digits, '.', '_' or '-' (at most 128)`);
    }
    return flagId;
  }
  let config: Record<string, unknown> = {};
  try {
    config = JSON.parse(await readFile(configPath, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new UserError(`cannot read viewer config ${configPath}: ${(error as Error).message}; fix or remove it`);
    }
  }
  if (typeof config.id === 'string' && isDisplayId(config.id)) return config.id;
  const id = randomUUID();
  await writeFileAtomic(configPath, `${JSON.stringify({ ...config, id }, null, 2)}\n`);
  return id;
}
