/**
 * The order test files start in: longest first, so a slow file never starts
 * last and leaves the other workers idle while it runs alone. A file with no
 * recorded duration is new or renamed; it goes first with its estimate, since
 * guessing it short is the costly mistake.
 */
export function longestFirst(files: readonly string[], recordedSeconds: Readonly<Record<string, number>>, estimateSeconds: (file: string) => number): string[] {
  const seconds = new Map(files.map((file) => [file, recordedSeconds[file] ?? estimateSeconds(file)]));
  return [...files].sort((a, b) => seconds.get(b)! - seconds.get(a)! || a.localeCompare(b));
}
