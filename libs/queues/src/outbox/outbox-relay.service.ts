import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { Client } from 'pg';
import { Counter } from 'prom-client';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppConfig, MetricsRegistry, withTimeout } from '@itinera/platform';
import { jobOptionsFor } from '../queue-defaults';
import { queueByName } from '../queue-lookup';
import { displayNameOf, isKnownJob, type QueueName } from '../queue-registry';
import { OutboxRepository, type ClaimedOutboxMessage } from './outbox.repository';

/** A claim lasts this long; if its relay dies, another relay takes the messages after that. */
const CLAIM_SECONDS = 30;
/** How long one push to Redis may take before the batch is released for a later pass. */
const PUSH_TIMEOUT_MS = 5_000;
const NOTIFY_CHANNEL = 'outbox_messages';

/**
 * Moves committed outbox messages into their Bull queues, at least once (worker only).
 *
 * A pass claims due messages with `FOR UPDATE SKIP LOCKED` (so several relays share the work), pushes
 * them with the message id as the Bull job id (so a redelivery collapses into the existing job), then
 * marks them delivered. When Redis is down the push fails, the messages go back with a backoff, and
 * nothing is lost. Passes run on NOTIFY from the insert trigger and every OUTBOX_POLL_INTERVAL_MS.
 */
@Injectable()
export class OutboxRelayService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(OutboxRelayService.name);
  private readonly relayed: Counter<'queue' | 'outcome'>;
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private listener?: Client;

  constructor(
    private readonly repository: OutboxRepository,
    private readonly config: AppConfig,
    private readonly moduleRef: ModuleRef,
    metrics: MetricsRegistry,
  ) {
    this.relayed = metrics.getOrCreate(
      'outbox_relayed_total',
      (r) =>
        new Counter({
          name: 'outbox_relayed_total',
          help: 'Outbox messages handled by the relay, by queue and outcome (delivered, retry, dead)',
          labelNames: ['queue', 'outcome'],
          registers: [r],
        }),
    );
  }

  onApplicationBootstrap(): void {
    this.running = true;
    this.loop = this.run();
    void this.listen();
  }

  /** Finishes the pass under way, then stops (before the database pool closes). */
  async beforeApplicationShutdown(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    await this.listener?.end().catch(() => undefined);
  }

  /** One pass: claim, push and mark up to OUTBOX_BATCH_SIZE messages. Returns how many it claimed. */
  async relayOnce(): Promise<number> {
    const claimed = await this.repository.claimDue(
      this.config.get('OUTBOX_BATCH_SIZE', { infer: true }),
      CLAIM_SECONDS,
    );
    const byQueue = new Map<QueueName, ClaimedOutboxMessage[]>();
    for (const message of claimed) {
      if (!isKnownJob(message.queue, message.job_name)) {
        await this.markDead(message, `no queue ${message.queue} with job ${message.job_name} is registered`);
        continue;
      }
      const queue = message.queue as QueueName;
      const batch = byQueue.get(queue);
      if (batch) batch.push(message);
      else byQueue.set(queue, [message]);
    }
    await Promise.all([...byQueue].map(([queue, messages]) => this.push(queue, messages)));
    return claimed.length;
  }

  private async push(queueName: QueueName, messages: ClaimedOutboxMessage[]): Promise<void> {
    const ids = messages.map((m) => m.id);
    const label = displayNameOf(queueName);
    const defaults = jobOptionsFor(queueName);
    try {
      await withTimeout(
        queueByName(this.moduleRef, queueName).addBulk(
          messages.map((m) => ({
            name: m.job_name,
            data: m.payload,
            opts: { ...defaults, ...m.options, jobId: m.id },
          })),
        ),
        PUSH_TIMEOUT_MS,
        `Redis did not accept the jobs within ${PUSH_TIMEOUT_MS} ms`,
      );
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.logger.warn({ queue: label, count: ids.length, reason }, 'outbox push failed; the messages will be retried');
      await this.repository
        .releaseForRetry(ids, reason)
        .catch((e: unknown) =>
          this.logger.error({ err: e }, 'could not release outbox messages; their claim will lapse'),
        );
      this.relayed.inc({ queue: label, outcome: 'retry' }, ids.length);
      return;
    }
    // If this fails the claim lapses and the messages are pushed again: same job ids, no duplicate.
    await this.repository.markDelivered(ids);
    this.relayed.inc({ queue: label, outcome: 'delivered' }, ids.length);
  }

  private async markDead(message: ClaimedOutboxMessage, reason: string): Promise<void> {
    this.logger.error({ id: message.id, queue: message.queue, job: message.job_name }, reason);
    await this.repository.markDead(message.id, reason);
    this.relayed.inc({ queue: displayNameOf(message.queue), outcome: 'dead' });
  }

  private async run(): Promise<void> {
    const pollMs = this.config.get('OUTBOX_POLL_INTERVAL_MS', { infer: true });
    const batchSize = this.config.get('OUTBOX_BATCH_SIZE', { infer: true });
    while (this.running) {
      let claimed = 0;
      try {
        claimed = await this.relayOnce();
      } catch (error) {
        this.logger.warn({ err: error }, 'outbox relay pass failed');
      }
      // A full batch means more is waiting: go again at once; otherwise wait for NOTIFY or the poll.
      if (claimed < batchSize && this.running) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, pollMs);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }
  }

  /** LISTENs for the insert trigger's NOTIFY on a connection of its own; reconnects with backoff. */
  private async listen(): Promise<void> {
    for (let attempt = 1; this.running; attempt++) {
      const client = new Client({
        connectionString: this.config.get('DATABASE_URL', { infer: true }),
        application_name: 'itinera-outbox-listener',
      });
      try {
        await client.connect();
        await client.query(`LISTEN ${NOTIFY_CHANNEL}`);
        this.listener = client;
        attempt = 0;
        client.on('notification', () => this.wake?.());
        await new Promise<void>((resolve) => {
          client.on('error', () => resolve());
          client.once('end', () => resolve());
        });
      } catch {
        // Polling goes on meanwhile; listen again shortly.
      }
      await client.end().catch(() => undefined);
      if (this.running) await sleep(Math.min(10_000, 250 * 2 ** attempt));
    }
  }
}
