/**
 * What a run started, stopped in reverse order, once. A signal and the end of
 * the run can both ask for the stop at the same moment (a closed SSH terminal
 * ends the console and signals the demo together); every call waits for the
 * one stop, and nothing is stopped twice or skipped.
 */
export class CleanupStack {
  private readonly cleanups: (() => Promise<void>)[] = [];
  private running: Promise<void> | null = null;

  push(cleanup: () => Promise<void>): void {
    this.cleanups.push(cleanup);
  }

  /** Runs every cleanup pushed so far, newest first; a failing one does not stop the rest. */
  run(): Promise<void> {
    this.running ??= (async () => {
      for (const cleanup of this.cleanups.splice(0).reverse()) await cleanup().catch(() => {});
      this.running = null;
    })();
    return this.running;
  }
}
