#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx's loader: one code path for
// the checkout, the tests and a Pi, with no build step to forget.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../console/cli/main.ts');
const code = await main(process.argv.slice(2));
// Let stdout drain before exiting; etcd's grpc sockets would otherwise keep the process alive.
process.stdout.write('', () => process.exit(code));
