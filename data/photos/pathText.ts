/**
 * File names are bytes, not text: a camera card or an old archive can hold
 * names that are not UTF-8, and any name can hold a newline. These turn such
 * names into text that is safe to record and to print on one line.
 */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The name as text: itself when it is UTF-8, otherwise each stray byte written as `\xNN`. */
export function textOfPathBytes(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    // Not UTF-8: decode the valid runs and escape the bytes between them.
  }
  let text = '';
  let i = 0;
  while (i < bytes.length) {
    const length = utf8SequenceLength(bytes, i);
    if (length === 0) {
      text += `\\x${bytes[i]!.toString(16).toUpperCase().padStart(2, '0')}`;
      i += 1;
    } else {
      text += strictUtf8.decode(bytes.subarray(i, i + length));
      i += length;
    }
  }
  return text;
}

/** The length of the valid UTF-8 sequence starting at `at`, or 0 when the byte there starts none. */
function utf8SequenceLength(bytes: Uint8Array, at: number): number {
  const lead = bytes[at]!;
  const length = lead < 0x80 ? 1 : lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
  if (length <= 1 || at + length > bytes.length) return length === 1 ? 1 : 0;
  try {
    strictUtf8.decode(bytes.subarray(at, at + length));
    return length;
  } catch {
    return 0;
  }
}

/**
 * Text for a report line: control characters and line separators escaped, so
 * a name containing a newline cannot split or forge a line of the report.
 */
export function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).toUpperCase().padStart(2, '0')}` : `\\u${code.toString(16).toUpperCase()}`;
  });
}
