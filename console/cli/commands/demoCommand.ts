import { runDemo } from '../../demo/runDemo.ts';
import type { Command } from '../command.ts';

export const demoCommand: Command = {
  name: 'demo',
  summary: 'run everything locally: etcd, sample album, image server, a viewer, the console',
  usage: 'photoframe demo [--home DIR]',
  options: {},
  async run({ config }) {
    await runDemo(config, (line) => process.stdout.write(`demo: ${line}\n`));
  },
};
