import { IsIn, IsOptional } from 'class-validator';
import { PageQueryDto } from '@itinera/platform';
import { QUEUE_NAMES, displayNameOf } from '../../queue-registry';
import type { OutboxState } from '../../outbox/outbox.repository';

export const OUTBOX_STATES: OutboxState[] = ['pending', 'delivered', 'dead'];
export const QUEUE_DISPLAY_NAMES = QUEUE_NAMES.map(displayNameOf);

export class ListOutboxMessagesQuery extends PageQueryDto {
  /** Only messages in this state: pending (not yet in Bull), delivered, or dead (undeliverable). */
  @IsOptional()
  @IsIn(OUTBOX_STATES)
  state?: OutboxState;

  /** Only messages for this queue. */
  @IsOptional()
  @IsIn(QUEUE_DISPLAY_NAMES)
  queue?: string;
}
