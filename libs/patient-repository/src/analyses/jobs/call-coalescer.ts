/** One item's outcome in a batch: its value, or the error that item alone fails with. */
export type Settled<R> = { ok: true; value: R } | { ok: false; error: unknown };

export interface CallCoalescerOptions {
  /** A batch holds at most this many items. */
  maxBatch: number;
  /**
   * How long the first item of a batch waits for others, in ms. 0: until the end of the current
   * event-loop turn (setImmediate), which collects what the turn's I/O callbacks asked for.
   */
  windowMs: number;
  /**
   * Batches of one key in flight at once (default: no limit). While the limit is reached, a batch
   * that is due keeps collecting items (up to maxBatch) and goes as soon as one in flight settles:
   * the busier the key, the larger its batches, with no delay added when it is idle.
   */
  maxInFlight?: number;
}

interface Batch<I, R> {
  items: I[];
  settlers: { resolve: (value: R) => void; reject: (error: unknown) => void }[];
  /** Its window has passed (or it is full): it goes as soon as the in-flight limit allows. */
  due: boolean;
  timeout?: NodeJS.Timeout;
  immediate?: NodeJS.Immediate;
}

interface KeyState<I, R> {
  /** Batches not sent yet, oldest first; only the last may still be filling. */
  waiting: Batch<I, R>[];
  inFlight: number;
}

/**
 * Collects calls made close together (in one event-loop turn, or within `windowMs`) per key, and
 * hands each key's items to `flush` as one batch (at most `maxBatch`), so that N callers cost one
 * statement instead of N. Every caller gets its own item's outcome: `flush` answers one Settled per
 * item, in order, and an item's error rejects that caller only. When `flush` itself throws (the
 * whole statement failed), every caller of that batch is rejected with that error.
 *
 * `flush` runs outside the callers' promise chains, in the async context of the call that opened
 * the batch or of the flush that settled before it: it must take what it needs (tenant, request
 * ids) from the items and the key.
 */
export class CallCoalescer<I, R> {
  private readonly keys = new Map<string, KeyState<I, R>>();
  private readonly maxInFlight: number;

  constructor(
    private readonly flush: (key: string, items: I[]) => Promise<Settled<R>[]>,
    private readonly options: CallCoalescerOptions,
  ) {
    if (!Number.isInteger(options.maxBatch) || options.maxBatch < 1) {
      throw new Error('CallCoalescer: maxBatch must be a positive integer');
    }
    this.maxInFlight = options.maxInFlight ?? Infinity;
    if (!(this.maxInFlight >= 1)) throw new Error('CallCoalescer: maxInFlight must be at least 1');
  }

  call(key: string, item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      let state = this.keys.get(key);
      if (!state) this.keys.set(key, (state = { waiting: [], inFlight: 0 }));
      let batch = state.waiting[state.waiting.length - 1];
      if (!batch || batch.items.length >= this.options.maxBatch) {
        const opened: Batch<I, R> = { items: [], settlers: [], due: false };
        const due = () => {
          opened.due = true;
          this.drain(key);
        };
        if (this.options.windowMs > 0) opened.timeout = setTimeout(due, this.options.windowMs);
        else opened.immediate = setImmediate(due);
        state.waiting.push(opened);
        batch = opened;
      }
      batch.items.push(item);
      batch.settlers.push({ resolve, reject });
      if (batch.items.length >= this.options.maxBatch) {
        batch.due = true;
        this.drain(key);
      }
    });
  }

  /** Keys with calls waiting or in flight (for tests and metrics). */
  get waiting(): number {
    return this.keys.size;
  }

  /** Sends the key's due batches, oldest first, while the in-flight limit allows. */
  private drain(key: string): void {
    const state = this.keys.get(key);
    if (!state) return;
    while (state.inFlight < this.maxInFlight && state.waiting[0]?.due) {
      const batch = state.waiting.shift()!;
      if (batch.timeout) clearTimeout(batch.timeout);
      if (batch.immediate) clearImmediate(batch.immediate);
      state.inFlight++;
      void this.send(key, batch).finally(() => {
        state.inFlight--;
        if (state.inFlight === 0 && state.waiting.length === 0) this.keys.delete(key);
        else this.drain(key);
      });
    }
  }

  private async send(key: string, batch: Batch<I, R>): Promise<void> {
    const { items, settlers } = batch;
    let outcomes: Settled<R>[];
    try {
      outcomes = await this.flush(key, items);
    } catch (error) {
      for (const settler of settlers) settler.reject(error);
      return;
    }
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
  }
}
