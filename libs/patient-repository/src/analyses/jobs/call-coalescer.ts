/** One item's outcome in a batch: its value, or the error that item alone fails with. */
export type Settled<R> = { ok: true; value: R } | { ok: false; error: unknown };

export interface CallCoalescerOptions {
  /** A batch is sent as soon as it holds this many items. */
  maxBatch: number;
  /**
   * How long the first item of a batch waits for others, in ms. 0: until the end of the current
   * event-loop turn (setImmediate), which collects what the turn's I/O callbacks asked for.
   */
  windowMs: number;
}

interface Pending<I, R> {
  items: I[];
  settlers: { resolve: (value: R) => void; reject: (error: unknown) => void }[];
  timeout?: NodeJS.Timeout;
  immediate?: NodeJS.Immediate;
}

/**
 * Collects calls made close together (in one event-loop turn, or within `windowMs`) per key, and
 * hands each key's items to `flush` as one batch (at most `maxBatch`), so that N callers cost one
 * statement instead of N. Every caller gets its own item's outcome: `flush` answers one Settled per
 * item, in order, and an item's error rejects that caller only. When `flush` itself throws (the
 * whole statement failed), every caller of that batch is rejected with that error.
 *
 * `flush` runs outside the callers' promise chains, in the async context of the call that opened
 * the batch: it must take what it needs (tenant, request ids) from the items and the key.
 */
export class CallCoalescer<I, R> {
  private readonly pending = new Map<string, Pending<I, R>>();

  constructor(
    private readonly flush: (key: string, items: I[]) => Promise<Settled<R>[]>,
    private readonly options: CallCoalescerOptions,
  ) {
    if (!Number.isInteger(options.maxBatch) || options.maxBatch < 1) {
      throw new Error('CallCoalescer: maxBatch must be a positive integer');
    }
  }

  call(key: string, item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      let batch = this.pending.get(key);
      if (!batch) {
        batch = { items: [], settlers: [] };
        this.pending.set(key, batch);
        const opened = batch;
        if (this.options.windowMs > 0) batch.timeout = setTimeout(() => this.send(key, opened), this.options.windowMs);
        else batch.immediate = setImmediate(() => this.send(key, opened));
      }
      batch.items.push(item);
      batch.settlers.push({ resolve, reject });
      if (batch.items.length >= this.options.maxBatch) this.send(key, batch);
    });
  }

  /** Batches waiting to be sent (for tests and metrics). */
  get waiting(): number {
    return this.pending.size;
  }

  private send(key: string, batch: Pending<I, R>): void {
    if (this.pending.get(key) !== batch) return; // already sent (full before its timer fired)
    this.pending.delete(key);
    if (batch.timeout) clearTimeout(batch.timeout);
    if (batch.immediate) clearImmediate(batch.immediate);
    const { items, settlers } = batch;
    let flushed: Promise<Settled<R>[]>;
    try {
      flushed = this.flush(key, items);
    } catch (error) {
      flushed = Promise.reject(error);
    }
    flushed.then(
      (outcomes) => {
        if (!Array.isArray(outcomes) || outcomes.length !== items.length) {
          const error = new Error(
            `CallCoalescer: flush answered ${Array.isArray(outcomes) ? outcomes.length : 'no'} outcomes for ${items.length} items`,
          );
          for (const settler of settlers) settler.reject(error);
          return;
        }
        outcomes.forEach((outcome, i) => {
          if (outcome.ok) settlers[i].resolve(outcome.value);
          else settlers[i].reject(outcome.error);
        });
      },
      (error: unknown) => {
        for (const settler of settlers) settler.reject(error);
      },
    );
  }
}
