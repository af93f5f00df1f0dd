/** The counts uvu prints at the end of a run, read from its output. */
export interface UvuCounts {
  /** The tests that ran; uvu leaves skipped ones out of it. */
  total: number;
  passed: number;
  skipped: number;
}

// uvu colours its summary; the counts are read from the text without the escapes.
const ANSI_ESCAPE = /\u001b\[[0-9;]*m/g;

/** The last summary in a uvu run's output, or null when the run never reached one (it crashed or hung). */
export function parseUvuSummary(output: string): UvuCounts | null {
  const text = output.replace(ANSI_ESCAPE, '');
  const last = (label: string): number | null => {
    const matches = [...text.matchAll(new RegExp(`^\\s*${label}:\\s*(\\d+)`, 'gm'))];
    const match = matches.at(-1);
    return match ? Number(match[1]) : null;
  };
  const total = last('Total');
  const passed = last('Passed');
  if (total === null || passed === null) return null;
  return { total, passed, skipped: last('Skipped') ?? 0 };
}

/** A file's failures: what uvu counted, or one when the file's run ended without a summary or with a failing exit. */
export function failuresOf(counts: UvuCounts | null, exitCode: number | null): number {
  const counted = counts ? counts.total - counts.passed : 0;
  return counted === 0 && exitCode !== 0 ? 1 : counted;
}
