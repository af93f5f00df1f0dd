import { silenceIpServerNameWarning } from '../../common/process/quietWarnings.ts';
import { main } from './main.ts';

silenceIpServerNameWarning();

// The `photoframe` program itself: bin/photoframe.mjs runs it from the sources, dist/photoframe.js is it bundled.
const code = await main(process.argv.slice(2));
// Let stdout drain before exiting; etcd's grpc sockets would otherwise keep the process alive.
process.stdout.write('', () => process.exit(code));
