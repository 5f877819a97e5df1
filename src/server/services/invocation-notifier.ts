/**
 * Wakes long-polls of this process when an invocation for their node is created here. Other
 * replicas' commands are found by the waiting poll's periodic database check, so this is only a
 * shortcut: correctness never depends on it.
 */
export class InvocationNotifier {
  private readonly waiters = new Map<string, Set<() => void>>();
  private closed = false;

  /** Resolves after `ms`, or earlier when `notify(nodeId)` or `close()` is called. */
  wait(nodeId: string, ms: number): Promise<void> {
    if (this.closed || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const set = this.waiters.get(nodeId) ?? new Set<() => void>();
      this.waiters.set(nodeId, set);
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        if (set.size === 0 && this.waiters.get(nodeId) === set) this.waiters.delete(nodeId);
        resolve();
      };
      const timer = setTimeout(done, ms);
      set.add(done);
    });
  }

  notify(nodeId: string): void {
    for (const wake of [...(this.waiters.get(nodeId) ?? [])]) wake();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Ends every wait (server shutdown), and every later wait at once. */
  close(): void {
    this.closed = true;
    for (const set of [...this.waiters.values()]) for (const wake of [...set]) wake();
  }
}
