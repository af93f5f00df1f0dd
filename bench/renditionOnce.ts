/**
 * Child process for the rendition benchmark: one rendition, then this
 * process's peak RSS and the RSS it had before starting the work, so the
 * runtime's own footprint can be told apart. argv: SOURCE WIDTH HEIGHT
 */
import { writeFile } from 'node:fs/promises';
import { makeDisplayRendition } from '../data/renditions/renditions.ts';

const [source, width, height, output] = process.argv.slice(2) as [string, string, string, string];
const before = process.memoryUsage().rss;
await writeFile(output, await makeDisplayRendition(source, Number(width), Number(height)));
process.stdout.write(`${JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS, baselineKb: Math.round(before / 1024) })}\n`);
