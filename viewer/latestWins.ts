/**
 * Runs render work one job at a time, where only the newest request matters:
 * a job still waiting for its turn when a newer one arrives is dropped before
 * it makes any pixels (its promise rejects with Superseded), and a running job
 * can ask `stillWanted()` between its steps to stop early. So a burst of 1,000
 * changes costs at most the job already running plus the last one, and memory
 * holds one frame in flight, not one per change.
 *
 * "Newer" is the caller's rank (the state's generation), not the order the
 * requests reach the queue: an older state whose download finished late must
 * not displace the newest one waiting, and a frame decoded ahead (ranked
 * below the state it follows) never displaces a state to be shown.
 */
export class Superseded extends Error {
  constructor(what: string) {
    super(`${what} was superseded by a newer request`);
    this.name = 'Superseded';
  }
}

interface Waiting {
  rank: number;
  start(): void;
  drop(): void;
}

export class LatestWins {
  private busy = false;
  private waiting: Waiting | null = null;
  private latest = 0;

  /** How many requests were dropped unstarted; for logs and benchmarks. */
  dropped = 0;

  run<T>(what: string, rank: number, job: (stillWanted: () => boolean) => Promise<T>): Promise<T> {
    if (rank > this.latest) this.latest = rank;
    const stillWanted = () => rank >= this.latest;
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        this.busy = true;
        job(stillWanted)
          .then(resolve, reject)
          .finally(() => {
            this.busy = false;
            const next = this.waiting;
            this.waiting = null;
            next?.start();
          });
      };
      if (!this.busy) return start();
      if (this.waiting && this.waiting.rank > rank) {
        // Something newer already waits: this one is dropped, not it.
        this.dropped++;
        return reject(new Superseded(what));
      }
      this.waiting?.drop();
      this.waiting = {
        rank,
        start,
        drop: () => {
          this.dropped++;
          reject(new Superseded(what));
        },
      };
    });
  }
}
