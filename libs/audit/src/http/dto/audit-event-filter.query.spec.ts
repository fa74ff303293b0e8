import { RequestValidationPipe } from '@itinera/platform';
import { AuditEventFilterQuery } from './audit-event-filter.query';
import { ListAuditEventsQuery } from './list-audit-events.query';

/** Runs a query through the app's global pipe, as Nest does for `@Query()`. */
async function validate(metatype: new () => object, value: Record<string, unknown>) {
  try {
    return { value: await new RequestValidationPipe().transform(value, { type: 'query', metatype }) };
  } catch (error) {
    return { error: error as { status: number; code: string; errors: { field: string; message: string }[] } };
  }
}

describe('audit event filters', () => {
  it('accepts every filter together, with a page', async () => {
    const { value, error } = await validate(ListAuditEventsQuery, {
      actorType: 'API_KEY',
      actorId: 'k1',
      action: 'api_key.created',
      resourceType: 'api_key',
      resourceId: 'r1',
      from: '2026-11-01',
      to: '2026-11-01T00:00:00Z',
      limit: '50',
      cursor: 'abc',
    });
    expect(error).toBeUndefined();
    expect(value).toBeInstanceOf(ListAuditEventsQuery);
    expect(value).toMatchObject({ limit: 50, from: '2026-11-01', actorType: 'API_KEY' });
  });

  it('defaults the page size', async () => {
    expect((await validate(ListAuditEventsQuery, {})).value).toMatchObject({ limit: 20 });
  });

  it('refuses `from` later than `to`, to the microsecond, naming `to`', async () => {
    const { error } = await validate(AuditEventFilterQuery, {
      from: '2026-11-27T11:27:25.000001Z',
      to: '2026-11-27T12:27:25+01:00',
    });
    expect(error).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    expect(error!.errors).toEqual([{ field: 'to', message: 'must not be earlier than from' }]);
  });

  it('names each invalid field', async () => {
    const { error } = await validate(ListAuditEventsQuery, {
      actorType: 'ROBOT',
      actorId: '',
      action: 'x'.repeat(101),
      resourceId: 'a\u0000b',
      from: '2026-11-27T11:27:25',
      to: 'tomorrow',
      limit: '0',
      colour: 'red',
    });
    expect(error).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    const fields = new Set(error!.errors.map((e) => e.field));
    expect([...fields].sort()).toEqual([
      'action',
      'actorId',
      'actorType',
      'colour',
      'from',
      'limit',
      'resourceId',
      'to',
    ]);
    expect(error!.errors).toContainEqual({ field: 'colour', message: 'is not allowed' });
    expect(error!.errors).toContainEqual({ field: 'resourceId', message: 'must not contain control characters' });
  });

  it('refuses a repeated filter (an array) rather than picking one', async () => {
    const { error } = await validate(AuditEventFilterQuery, { action: ['a', 'b'] });
    expect(error!.errors.map((e) => e.field)).toContain('action');
  });

  it('takes no cursor or limit on the export', async () => {
    const { error } = await validate(AuditEventFilterQuery, { limit: '10' });
    expect(error!.errors).toEqual([{ field: 'limit', message: 'is not allowed' }]);
  });
});
