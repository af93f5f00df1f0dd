import blessed from 'blessed';
import { preparationText, type PreparationStanding } from '../../../data/photos/phaseProgressText.ts';

/**
 * What the status line says when no message is on it: the background
 * preparation queue while it has work (`queue: preparing 312 of 5,000, ETA
 * 3 min`), nothing otherwise. Blessed tags included.
 */
export function queueStatusLine(standing: PreparationStanding | null): string {
  if (standing === null) return '';
  return `{yellow-fg}queue: ${blessed.escape(preparationText(standing))}{/yellow-fg} {grey-fg}(new photos reach the displays as they become ready){/grey-fg}`;
}
