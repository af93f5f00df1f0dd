/**
 * The words of a caption, from its facts and the display's settings: the
 * date in the display's locale, and the place as "town, country" with the
 * country named in that locale too. Pure.
 */
import type { CaptionFacts } from '../common/protocol/codecs/captionFactsCodec.ts';
import type { CaptionKind } from '../common/protocol/codecs/settingsCodec.ts';

/** The date the camera recorded, as a person of `locale` writes it ("14 July 2021", "14. Juli 2021", "July 14, 2021"). */
export function captionDate(taken: string, locale: string): string {
  // The camera's local time, shown as it was: formatted in UTC so no zone shifts the day.
  const [date] = taken.split('T');
  const instant = new Date(`${date}T00:00:00Z`);
  return new Intl.DateTimeFormat(locale || undefined, { dateStyle: 'long', timeZone: 'UTC' }).format(instant);
}

export function captionPlace(place: NonNullable<CaptionFacts['place']>, locale: string): string {
  let country = place.country;
  try {
    country = new Intl.DisplayNames(locale || undefined, { type: 'region' }).of(place.country) ?? place.country;
  } catch {
    // An unknown code stays as it is.
  }
  return `${place.name}, ${country}`;
}

/** The caption for a photo, or null when there is nothing to say (no caption asked for, or no facts known). */
export function captionText(facts: CaptionFacts | null, kind: CaptionKind, locale: string): string | null {
  if (kind === 'none' || facts === null) return null;
  const parts: string[] = [];
  if (facts.taken) parts.push(captionDate(facts.taken, locale));
  if (kind === 'date_place' && facts.place) parts.push(captionPlace(facts.place, locale));
  return parts.length > 0 ? parts.join(' · ') : null;
}
