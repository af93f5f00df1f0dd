import { runDemo } from '../../demo/runDemo.ts';
import type { CommandContext } from '../command.ts';

export async function runDemoCommand({ config }: CommandContext): Promise<number | void> {
  await runDemo(config, (line) => process.stdout.write(`demo: ${line}\n`));
}
