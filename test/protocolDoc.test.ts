import { readFile } from 'node:fs/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DISPLAY_TOPICS } from '../common/protocol/displayKeys.ts';
import { SYSTEM_KEYS, TOPICS, withRenderedTables } from '../common/protocol/topicRegistry.ts';

const DOC = new URL('../docs/protocol.md', import.meta.url);

test('docs/protocol.md carries the key table exactly as the registry renders it (run `make docs` after a change)', async () => {
  const doc = await readFile(DOC, 'utf8');
  assert.fixture(doc, withRenderedTables(doc));
});

test('every topic and system key is described in the prose of docs/protocol.md too', async () => {
  const doc = await readFile(DOC, 'utf8');
  const prose = doc.replace(/<!-- protocol-table:begin[\s\S]*<!-- protocol-table:end -->/, '');
  for (const topic of DISPLAY_TOPICS) assert.ok(prose.includes(`\`${topic}\``), `docs say nothing about ${topic}`);
  for (const { key } of SYSTEM_KEYS) {
    // Written as a section heading (`/photoframe/status/<id>`) or in the text with R for the request id.
    const forms = [key.replace('<id>', '').replace('<R>', 'R'), key.replace('<R>', 'R')];
    assert.ok(forms.some((form) => prose.includes(form)), `docs say nothing about ${key}`);
  }
});

test('every example in the registry decodes, and re-encodes to a value that decodes the same', () => {
  for (const topic of DISPLAY_TOPICS) {
    const spec = TOPICS[topic] as (typeof TOPICS)[typeof topic] & { encode(v: unknown): string };
    const decoded = spec.decode(spec.example);
    assert.ok(decoded.ok, `${topic}: ${!decoded.ok && decoded.error}`);
    if (!decoded.ok) continue;
    assert.equal(spec.decode(spec.encode(decoded.value)), decoded, topic);
  }
});

test.run();
