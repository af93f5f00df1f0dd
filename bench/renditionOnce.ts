/**
 * Child process for the rendition benchmark, run under /usr/bin/time for its
 * peak RSS: one rendition, or with `--baseline` only the modules loaded, so
 * the runtime's own footprint can be told apart. argv: SOURCE WIDTH HEIGHT OUTPUT [--baseline]
 */
import { writeFile } from 'node:fs/promises';
import { makeDisplayRendition } from '../data/renditions/renditions.ts';

const [source, width, height, output, baseline] = process.argv.slice(2) as [string, string, string, string, string | undefined];
if (baseline !== '--baseline') await writeFile(output, await makeDisplayRendition(source, Number(width), Number(height)));
