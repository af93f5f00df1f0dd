// Rewrites the generated key table in docs/protocol.md from the topic registry.
import { readFile, writeFile } from 'node:fs/promises';
import { withRenderedTables } from '../common/protocol/topicRegistry.ts';

const path = new URL('../docs/protocol.md', import.meta.url);
await writeFile(path, withRenderedTables(await readFile(path, 'utf8')));
