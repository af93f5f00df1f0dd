/**
 * Title and keywords that photo managers (Lightroom, digiKam, Photos) embed:
 * XMP `dc:title` / `dc:subject`, or the older IPTC IIM ObjectName (2:05) and
 * Keywords (2:25). XMP wins where both exist, as those tools write it last.
 */
export interface EmbeddedCaption {
  title: string | null;
  keywords: string[];
}

export function readEmbeddedCaption(xmp: Buffer | undefined, iptc: Buffer | undefined): EmbeddedCaption {
  const fromXmp = xmp ? captionFromXmp(xmp.toString('utf8')) : { title: null, keywords: [] };
  const fromIptc = iptc ? captionFromIptc(iptc) : { title: null, keywords: [] };
  return {
    title: fromXmp.title ?? fromIptc.title,
    keywords: fromXmp.keywords.length > 0 ? fromXmp.keywords : fromIptc.keywords,
  };
}

export function captionFromXmp(xml: string): EmbeddedCaption {
  const title = xmlListItems(xml, 'dc:title')[0] ?? null;
  return { title: title && title.length > 0 ? title : null, keywords: unique(xmlListItems(xml, 'dc:subject')) };
}

/** The `rdf:li` texts inside one element, unescaped. Enough XML for the fixed shapes XMP uses. */
function xmlListItems(xml: string, element: string): string[] {
  const block = new RegExp(`<${element}\\b[^>]*>([\\s\\S]*?)</${element}>`).exec(xml);
  if (!block) return [];
  return [...block[1]!.matchAll(/<rdf:li\b[^>]*>([\s\S]*?)<\/rdf:li>/g)].map((m) => unescapeXml(m[1]!).trim()).filter((t) => t.length > 0);
}

function unescapeXml(text: string): string {
  return text
    .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#([0-9]+);/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

/** IIM datasets are `0x1C record dataset length(2) data`; sharp hands over the whole Photoshop block. */
export function captionFromIptc(block: Buffer): EmbeddedCaption {
  let title: string | null = null;
  const keywords: string[] = [];
  for (let at = 0; at + 5 <= block.length; at++) {
    if (block[at] !== 0x1c || block[at + 1] !== 0x02) continue;
    const dataset = block[at + 2]!;
    const length = block.readUInt16BE(at + 3);
    if (length > 0x7fff || at + 5 + length > block.length) continue;
    const text = block.toString('utf8', at + 5, at + 5 + length).replace(/\0/g, '').trim();
    if (dataset === 5 && text) title = text;
    if (dataset === 25 && text) keywords.push(text);
    at += 4 + length;
  }
  return { title, keywords: unique(keywords) };
}

function unique(items: string[]): string[] {
  return [...new Set(items)];
}
