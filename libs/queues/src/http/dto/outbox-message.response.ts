import { ApiProperty } from '@nestjs/swagger';
import type { OutboxMessage } from '@prisma/client';
import { displayNameOf } from '../../queue-registry';
import type { OutboxState } from '../../outbox/outbox.repository';

export class OutboxMessageResponse {
  /** The message id, which is also its Bull job id. */
  @ApiProperty({ format: 'uuid' })
  id!: string;

  /** Target queue. */
  @ApiProperty({ example: 'maintenance' })
  queue!: string;

  /** Job name within the queue. */
  @ApiProperty({ example: 'outbox-purge' })
  jobName!: string;

  @ApiProperty({ enum: ['pending', 'delivered', 'dead'] })
  state!: OutboxState;

  /** Job data (ids and the request id). */
  @ApiProperty({ type: 'object', additionalProperties: true })
  payload!: Record<string, unknown>;

  /** Relay attempts so far. */
  @ApiProperty({ type: 'integer' })
  attempts!: number;

  /** Why the last relay attempt failed. */
  @ApiProperty({ type: String, nullable: true })
  lastError!: string | null;

  /** The request that wrote the message. */
  @ApiProperty({ type: String, nullable: true })
  requestId!: string | null;

  /** Not relayed before this time. */
  availableAt!: Date;

  @ApiProperty({ type: Date, nullable: true })
  deliveredAt!: Date | null;

  @ApiProperty({ type: Date, nullable: true })
  deadAt!: Date | null;

  createdAt!: Date;
}

export function toOutboxMessageResponse(message: OutboxMessage): OutboxMessageResponse {
  return {
    id: message.id,
    queue: displayNameOf(message.queue),
    jobName: message.jobName,
    state: message.deliveredAt ? 'delivered' : message.deadAt ? 'dead' : 'pending',
    payload: message.payload as Record<string, unknown>,
    attempts: message.attempts,
    lastError: message.lastError,
    requestId: message.requestId,
    availableAt: message.availableAt,
    deliveredAt: message.deliveredAt,
    deadAt: message.deadAt,
    createdAt: message.createdAt,
  };
}
