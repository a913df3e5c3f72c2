import { describe, expect, it } from 'vitest';
import { addAbortReaction, removeAbortReaction } from '../../src/iimmpact/abort-reactions.js';

describe('abort reactions', () => {
  it('runs each reaction once, in the order added, when the signal aborts', () => {
    const controller = new AbortController();
    const ran: string[] = [];
    addAbortReaction(controller.signal, () => ran.push('a'));
    addAbortReaction(controller.signal, () => ran.push('b'));
    addAbortReaction(controller.signal, () => ran.push('c'));
    expect(ran).toEqual([]);
    controller.abort();
    controller.abort();
    expect(ran).toEqual(['a', 'b', 'c']);
  });

  it('does not run removed reactions, wherever they sit in the list; removing twice is harmless', () => {
    const controller = new AbortController();
    const ran: string[] = [];
    const first = addAbortReaction(controller.signal, () => ran.push('first'));
    const middle = addAbortReaction(controller.signal, () => ran.push('middle'));
    addAbortReaction(controller.signal, () => ran.push('kept'));
    const last = addAbortReaction(controller.signal, () => ran.push('last'));
    removeAbortReaction(middle);
    removeAbortReaction(first);
    removeAbortReaction(last);
    removeAbortReaction(middle);
    addAbortReaction(controller.signal, () => ran.push('added after'));
    controller.abort();
    expect(ran).toEqual(['kept', 'added after']);
  });

  it('skips a reaction that an earlier one removes while the abort is being handled', () => {
    const controller = new AbortController();
    const ran: string[] = [];
    let second: ReturnType<typeof addAbortReaction> | undefined;
    addAbortReaction(controller.signal, () => {
      ran.push('first');
      if (second !== undefined) removeAbortReaction(second);
    });
    second = addAbortReaction(controller.signal, () => ran.push('second'));
    addAbortReaction(controller.signal, () => ran.push('third'));
    controller.abort();
    expect(ran).toEqual(['first', 'third']);
  });

  it('keeps the reactions of different signals apart', () => {
    const one = new AbortController();
    const two = new AbortController();
    const ran: string[] = [];
    addAbortReaction(one.signal, () => ran.push('one'));
    addAbortReaction(two.signal, () => ran.push('two'));
    two.abort();
    expect(ran).toEqual(['two']);
    one.abort();
    expect(ran).toEqual(['two', 'one']);
  });
});
