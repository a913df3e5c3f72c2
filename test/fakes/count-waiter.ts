/**
 * Lets a test await "at least `count` items have arrived" at a fake server.
 * The fake calls `notify()` after each arrival; `waitFor` rejects with a
 * message naming `label` if the count is not reached within `timeoutMs`.
 */
export function createCountWaiter(items: { readonly length: number }, label: string) {
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  return {
    notify(): void {
      for (const waiter of [...waiters]) {
        if (items.length >= waiter.count) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      }
    },
    waitFor(count: number, timeoutMs = 10_000): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        if (items.length >= count) return resolve();
        const timer = setTimeout(() => reject(new Error(`${label} got ${items.length} of ${count} within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    },
  };
}
