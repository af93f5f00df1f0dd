/** Timing helpers for `make bench`: figures, never assertions. */
export interface Sample {
  name: string;
  unit: string;
  ours: number;
  reference: number;
  referenceName: string;
  /** true when smaller is better (latencies); false for throughputs. */
  lowerIsBetter: boolean;
}

export async function timeMs(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Median of `runs` timings after `warmup` untimed runs. */
export async function medianMs(fn: () => Promise<unknown>, runs: number, warmup = 2): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await timeMs(fn));
  return percentile(times, 50);
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export function printTable(samples: Sample[]): void {
  const rows = samples.map((s) => {
    const ratio = s.ours / s.reference;
    return [s.name, `${format(s.ours)} ${s.unit}`, `${format(s.reference)} ${s.unit}`, `${ratio.toFixed(2)}x`, s.referenceName];
  });
  const header = ['benchmark', 'photoframe', 'reference', 'ratio', 'reference is'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
}

function format(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

/**
 * Runs each measurement in turn, round after round, and gives each one's
 * median: on a shared machine, load that comes and goes then falls on both
 * sides of a ratio instead of on whichever ran during it. Each round starts
 * with a different one, so garbage one leaves behind is not always collected
 * during the same other.
 */
export async function interleavedMedians(rounds: number, measurements: (() => Promise<number>)[]): Promise<number[]> {
  const times = measurements.map(() => [] as number[]);
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < measurements.length; k++) {
      const i = (round + k) % measurements.length;
      times[i]!.push(await measurements[i]!());
    }
  }
  return times.map((list) => percentile(list, 50));
}
