/**
 * Abort reactions for many pending operations on one AbortSignal, through a
 * single 'abort' listener per signal.
 *
 * Why not `addEventListener` per operation: Node's EventTarget walks every
 * listener already on the signal to reject duplicates, and again to find one
 * to remove, so each registration costs O(listeners). The poller passes one
 * shared signal to every check, and with dozens of checks pending those walks
 * were 2-3% of the daemon's CPU (docs/performance.md). Here adding and
 * removing a reaction is O(1).
 *
 * The reactions of a signal are a doubly linked list rather than a Set: with
 * a Set, adding and deleting dozens of entries per millisecond around the
 * same size kept reallocating its table, which cost more in garbage
 * collection than the listener walks it saved.
 *
 * Reactions run in the order they were added, once, when the signal aborts,
 * and must not throw. As with `addEventListener`, a reaction added once the
 * signal has aborted is not guaranteed to run: check `signal.aborted` first.
 */

/** A registered reaction; pass it to `removeAbortReaction` when the operation ends. */
export interface AbortReaction {
  readonly run: () => void;
  /** The list it is on; null once removed or run. */
  list: ReactionList | null;
  prev: AbortReaction | null;
  next: AbortReaction | null;
}

interface ReactionList {
  head: AbortReaction | null;
  tail: AbortReaction | null;
}

const listsBySignal = new WeakMap<AbortSignal, ReactionList>();

export function addAbortReaction(signal: AbortSignal, run: () => void): AbortReaction {
  let list = listsBySignal.get(signal);
  if (list === undefined) {
    const created: ReactionList = { head: null, tail: null };
    list = created;
    listsBySignal.set(signal, created);
    signal.addEventListener(
      'abort',
      () => {
        listsBySignal.delete(signal);
        // Always take the current head: a reaction may remove others that have not run yet.
        for (let reaction = created.head; reaction !== null; reaction = created.head) {
          removeAbortReaction(reaction);
          reaction.run();
        }
      },
      { once: true },
    );
  }
  const reaction: AbortReaction = { run, list, prev: list.tail, next: null };
  if (list.tail === null) list.head = reaction;
  else list.tail.next = reaction;
  list.tail = reaction;
  return reaction;
}

/** Takes a reaction off its signal's list; a no-op if it was already removed or has run. */
export function removeAbortReaction(reaction: AbortReaction): void {
  const list = reaction.list;
  if (list === null) return;
  if (reaction.prev === null) list.head = reaction.next;
  else reaction.prev.next = reaction.next;
  if (reaction.next === null) list.tail = reaction.prev;
  else reaction.next.prev = reaction.prev;
  reaction.list = null;
  reaction.prev = null;
  reaction.next = null;
}
