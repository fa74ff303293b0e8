import { CallCoalescer, type Settled } from './call-coalescer';

const ok = <R>(value: R): Settled<R> => ({ ok: true, value });

/** A coalescer whose flush records its batches and answers each item doubled (an item < 0 fails alone). */
function doubling(options = { maxBatch: 10, windowMs: 0 }) {
  const batches: { key: string; items: number[] }[] = [];
  const coalescer = new CallCoalescer<number, number>(async (key, items) => {
    batches.push({ key, items: [...items] });
    return items.map((n) => (n < 0 ? { ok: false, error: new Error(`bad item ${n}`) } : ok(n * 2)));
  }, options);
  return { coalescer, batches };
}

describe('CallCoalescer', () => {
  it('sends the calls of one event-loop turn for one key as one batch, and answers each caller its own result', async () => {
    const { coalescer, batches } = doubling();
    const results = await Promise.all([coalescer.call('t1', 1), coalescer.call('t1', 2), coalescer.call('t1', 3)]);
    expect(results).toEqual([2, 4, 6]);
    expect(batches).toEqual([{ key: 't1', items: [1, 2, 3] }]);
  });

  it('keeps keys apart', async () => {
    const { coalescer, batches } = doubling();
    const results = await Promise.all([coalescer.call('a', 1), coalescer.call('b', 2), coalescer.call('a', 3)]);
    expect(results).toEqual([2, 4, 6]);
    expect(batches).toEqual([
      { key: 'a', items: [1, 3] },
      { key: 'b', items: [2] },
    ]);
  });

  it('sends a batch as soon as it reaches maxBatch', async () => {
    const { coalescer, batches } = doubling({ maxBatch: 2, windowMs: 0 });
    const results = await Promise.all([1, 2, 3, 4, 5].map((n) => coalescer.call('t', n)));
    expect(results).toEqual([2, 4, 6, 8, 10]);
    expect(batches.map((b) => b.items)).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('collects calls of later turns within windowMs', async () => {
    const { coalescer, batches } = doubling({ maxBatch: 10, windowMs: 20 });
    const first = coalescer.call('t', 1);
    await new Promise((resolve) => setImmediate(resolve));
    const second = coalescer.call('t', 2);
    expect(await Promise.all([first, second])).toEqual([2, 4]);
    expect(batches).toEqual([{ key: 't', items: [1, 2] }]);
  });

  it('opens a new batch for calls made after a batch was sent', async () => {
    const { coalescer, batches } = doubling();
    await coalescer.call('t', 1);
    await coalescer.call('t', 2);
    expect(batches.map((b) => b.items)).toEqual([[1], [2]]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(coalescer.waiting).toBe(0);
  });

  it('with maxInFlight, collects the calls made while a batch of the key is in flight into the next batch', async () => {
    const batches: number[][] = [];
    const releases: (() => void)[] = [];
    const coalescer = new CallCoalescer<number, number>(
      async (_key, items) => {
        batches.push([...items]);
        await new Promise<void>((resolve) => releases.push(resolve));
        return items.map((n) => ok(n));
      },
      { maxBatch: 10, windowMs: 0, maxInFlight: 1 },
    );
    const first = coalescer.call('t', 1);
    const other = coalescer.call('u', 9); // another key is not held up
    await new Promise((resolve) => setImmediate(resolve));
    expect(batches).toEqual([[1], [9]]);
    const later = [2, 3, 4].map((n) => coalescer.call('t', n));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(batches).toEqual([[1], [9]]); // still waiting for the first
    releases[0]();
    expect(await first).toBe(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(batches).toEqual([[1], [9], [2, 3, 4]]);
    releases[1]();
    releases[2]();
    expect(await Promise.all([other, ...later])).toEqual([9, 2, 3, 4]);
  });

  it("rejects only the caller whose item failed; the others' promises resolve", async () => {
    const { coalescer } = doubling();
    const outcomes = await Promise.allSettled([
      coalescer.call('t', 1),
      coalescer.call('t', -1),
      coalescer.call('t', 3),
    ]);
    expect(outcomes[0]).toEqual({ status: 'fulfilled', value: 2 });
    expect(outcomes[1]).toMatchObject({ status: 'rejected', reason: new Error('bad item -1') });
    expect(outcomes[2]).toEqual({ status: 'fulfilled', value: 6 });
  });

  it('rejects every caller of the batch when the flush fails, and only them', async () => {
    let fail = true;
    const coalescer = new CallCoalescer<number, number>(
      async (_key, items) => {
        if (fail) throw new Error('statement failed');
        return items.map((n) => ok(n));
      },
      { maxBatch: 10, windowMs: 0 },
    );
    const failed = await Promise.allSettled([coalescer.call('t', 1), coalescer.call('t', 2)]);
    expect(failed.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(await coalescer.call('t', 3)).toBe(3);
  });

  it('rejects every caller when the flush throws synchronously or answers the wrong number of outcomes', async () => {
    const throwing = new CallCoalescer<number, number>(
      () => {
        throw new Error('sync');
      },
      { maxBatch: 10, windowMs: 0 },
    );
    await expect(throwing.call('t', 1)).rejects.toThrow('sync');
    const short = new CallCoalescer<number, number>(async () => [ok(1)], { maxBatch: 10, windowMs: 0 });
    const outcomes = await Promise.allSettled([short.call('t', 1), short.call('t', 2)]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
  });

  it('refuses a maxBatch or maxInFlight below 1', () => {
    expect(() => new CallCoalescer(async () => [], { maxBatch: 0, windowMs: 0 })).toThrow('maxBatch');
    expect(() => new CallCoalescer(async () => [], { maxBatch: 1, windowMs: 0, maxInFlight: 0 })).toThrow(
      'maxInFlight',
    );
  });
});
