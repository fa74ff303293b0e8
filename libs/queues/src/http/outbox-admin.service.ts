import { Injectable } from '@nestjs/common';
import { AppError, PlatformErrorCode, TimeIdCursor, toPage, type Page } from '@itinera/platform';
import { OutboxRepository } from '../outbox/outbox.repository';
import { QUEUE_NAMES, displayNameOf } from '../queue-registry';
import type { ListOutboxMessagesQuery } from './dto/list-outbox-messages.query';
import { toOutboxMessageResponse, type OutboxMessageResponse } from './dto/outbox-message.response';

const notFound = () =>
  new AppError(PlatformErrorCode.NotFound, 404, 'Not Found', {
    detail: 'No outbox message has this id.',
  });

/** What operators can do with the outbox: look at messages and send a dead or delayed one again. */
@Injectable()
export class OutboxAdminService {
  constructor(private readonly repository: OutboxRepository) {}

  async list(query: ListOutboxMessagesQuery): Promise<Page<OutboxMessageResponse>> {
    const rows = await this.repository.list({
      state: query.state,
      queue: query.queue ? QUEUE_NAMES.find((q) => displayNameOf(q) === query.queue) : undefined,
      after: TimeIdCursor.decode(query.cursor),
      take: query.limit + 1,
    });
    return toPage(rows, query.limit, TimeIdCursor.cursorOf, toOutboxMessageResponse);
  }

  async get(id: string): Promise<OutboxMessageResponse> {
    const message = await this.repository.find(id);
    if (!message) throw notFound();
    return toOutboxMessageResponse(message);
  }

  /** Makes a pending or dead message due now; a delivered one cannot be sent again (409). */
  async retry(id: string): Promise<OutboxMessageResponse> {
    const message = await this.repository.makeDueNow(id);
    if (message) return toOutboxMessageResponse(message);
    if (await this.repository.find(id)) {
      throw new AppError(PlatformErrorCode.InvalidState, 409, 'Conflict', {
        detail: 'The message was already delivered to its queue; retry the Bull job from the queue dashboard instead.',
      });
    }
    throw notFound();
  }
}
