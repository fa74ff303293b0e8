import { Logger } from '@nestjs/common';
import { AuditEventsService } from './audit-events.service';
import type { AuditLogRepository } from './audit-log.repository';
import type { AuditEventQueryOptions } from './audit-log-query';
import type { AuditEventRow } from './dto/audit-event.response';
import { ListAuditEventsQuery } from './dto/list-audit-events.query';

const TENANT = '11111111-1111-4111-8111-111111111111';

function row(n: number): AuditEventRow {
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    tenant_id: TENANT,
    seq: String(1000 - n),
    actor_type: 'SYSTEM',
    actor_id: null,
    action: 'thing.done',
    resource_type: null,
    resource_id: null,
    before: null,
    after: { n },
    metadata: null,
    ip: null,
    user_agent: null,
    request_id: null,
    occurred_at: `2026-11-27T11:27:25.${String(999999 - n).padStart(6, '0')}Z`,
    hash: 'ab'.repeat(32),
  };
}

/** A repository over `total` rows, newest first, recording each page it is asked for. */
function fakeRepository(total: number, failOnCall?: number) {
  const rows = Array.from({ length: total }, (_, i) => row(i));
  const calls: AuditEventQueryOptions[] = [];
  const repository = {
    lastSeq: jest.fn(async () => '999'),
    page: jest.fn(async (_tenant: string, _filter: unknown, options: AuditEventQueryOptions) => {
      calls.push(options);
      if (calls.length === failOnCall) throw new Error('connection lost');
      const start = options.after ? rows.findIndex((r) => r.id === options.after!.id) + 1 : 0;
      return rows.slice(start, start + options.limit);
    }),
  };
  return { repository, calls, service: new AuditEventsService(repository as unknown as AuditLogRepository) };
}

const lines = (text: string) => text.split('\n').filter(Boolean);

describe('AuditEventsService', () => {
  it('pages with one extra row and a cursor from the last row returned', async () => {
    const { service, calls } = fakeRepository(5);
    const query = Object.assign(new ListAuditEventsQuery(), { limit: 2, action: 'thing.done' });
    const first = await service.list(TENANT, query);
    expect(first.data.map((e) => e.after)).toEqual([{ n: 0 }, { n: 1 }]);
    expect(calls[0]).toEqual({ after: undefined, limit: 3 });
    const second = await service.list(TENANT, Object.assign(query, { cursor: first.page.nextCursor! }));
    expect(calls[1].after).toEqual({ id: row(1).id, occurredAt: row(1).occurred_at });
    expect(second.data.map((e) => e.after)).toEqual([{ n: 2 }, { n: 3 }]);
  });

  it('exports every row once across batches, each batch bounded by the snapshot', async () => {
    const { service, calls } = fakeRepository(10);
    const stream = await service.export(TENANT, {}, 3);
    let text = '';
    for await (const chunk of stream) text += chunk;
    expect(lines(text).map((l) => JSON.parse(l).after.n)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(calls.map((c) => c.limit)).toEqual([3, 3, 3, 3]);
    expect(calls.every((c) => c.maxSeq === '999')).toBe(true);
  });

  it('reads the first batch before answering, and the next ones only as the stream is read', async () => {
    const { service, calls } = fakeRepository(10);
    const stream = await service.export(TENANT, {}, 2);
    expect(calls).toHaveLength(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls.length).toBeLessThanOrEqual(2);
    stream.destroy();
  });

  it('fails before the first byte when the first batch fails (so the client gets a problem)', async () => {
    const { service } = fakeRepository(10, 1);
    await expect(service.export(TENANT, {}, 2)).rejects.toThrow('connection lost');
  });

  it('errors the stream after the rows already sent when a later batch fails', async () => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const { service } = fakeRepository(10, 2);
    const stream = await service.export(TENANT, {}, 2);
    let text = '';
    await expect(
      (async () => {
        for await (const chunk of stream) text += chunk;
      })(),
    ).rejects.toThrow('connection lost');
    expect(lines(text)).toHaveLength(2);
    expect(logged).toHaveBeenCalledTimes(1);
    logged.mockRestore();
  });
});
