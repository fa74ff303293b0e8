import { Injectable } from '@nestjs/common';
import { AppError, decodeCursor, PlatformErrorCode, toPage, type CursorValues, type Page } from '@itinera/platform';
import { OutboxRepository } from '../outbox/outbox.repository';
import { QUEUE_NAMES, displayNameOf } from '../queue-registry';
import type { ListOutboxMessagesQuery } from './dto/list-outbox-messages.query';
import { toOutboxMessageResponse, type OutboxMessageResponse } from './dto/outbox-message.response';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A list cursor: the (created_at, id) of the last message of the previous page. */
type OutboxCursor = [string, string];
const isOutboxCursor = (v: CursorValues): v is OutboxCursor =>
  v.length === 2 &&
  typeof v[0] === 'string' &&
  !Number.isNaN(Date.parse(v[0])) &&
  typeof v[1] === 'string' &&
  UUID.test(v[1]);

const notFound = () =>
  new AppError(PlatformErrorCode.NotFound, 404, 'Not Found', {
    detail: 'No outbox message has this id.',
  });

/** What operators can do with the outbox: look at messages and send a dead or delayed one again. */
@Injectable()
export class OutboxAdminService {
  constructor(private readonly repository: OutboxRepository) {}

  async list(query: ListOutboxMessagesQuery): Promise<Page<OutboxMessageResponse>> {
    const after = query.cursor ? decodeCursor(query.cursor, isOutboxCursor) : undefined;
    const rows = await this.repository.list({
      state: query.state,
      queue: query.queue ? QUEUE_NAMES.find((q) => displayNameOf(q) === query.queue) : undefined,
      after: after ? { createdAt: new Date(after[0]), id: after[1] } : undefined,
      take: query.limit + 1,
    });
    return toPage(rows, query.limit, (m) => [m.createdAt.toISOString(), m.id], toOutboxMessageResponse);
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
