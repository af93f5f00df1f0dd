/** What changed, who changed it, and the errors: the events pane's history, shared by a process's sessions. */
export interface ConsoleEvent {
  at: Date;
  who: string;
  what: string;
  error: boolean;
}

type Listener = (event: ConsoleEvent) => void;

export class EventLog {
  private readonly entries: ConsoleEvent[] = [];
  private readonly listeners = new Set<Listener>();
  /** How many events were ever added, so a pane can append only the new ones. */
  total = 0;

  constructor(private readonly capacity = 500) {}

  add(who: string, what: string, error = false, at = new Date()): ConsoleEvent {
    const event = { at, who, what, error };
    this.entries.push(event);
    this.total++;
    if (this.entries.length > this.capacity) this.entries.shift();
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch {
        // One session's screen failing to show an event is not another session's problem.
      }
    }
    return event;
  }

  list(): readonly ConsoleEvent[] {
    return this.entries;
  }

  onEvent(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
