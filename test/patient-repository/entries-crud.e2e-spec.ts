import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { asOwner } from '../support/identity-fixtures';
import { startApi } from '../support/test-apps';
import { call, entriesWorld, SAMPLES, SEGMENT_CATEGORY, type EntriesWorld } from './entries-fixtures';

describe('clinical entries: create, list, read, update, delete and history for every category', () => {
  let app: NestFastifyApplication;
  let world: EntriesWorld;
  let base: string;
  let token: string;

  beforeAll(async () => {
    app = await startApi();
    world = await entriesWorld(app);
    base = `/patient-repositories/${world.repositoryId}`;
    token = world.patient.accessToken;
  });
  afterAll(() => app.close());

  describe.each(Object.keys(SAMPLES))('%s', (segment) => {
    const { create, update } = SAMPLES[segment];
    const category = SEGMENT_CATEGORY[segment];
    let entryId: string;

    it('creates an entry as version 1 with an ETag', async () => {
      const res = await call(app, 'POST', `${base}/${segment}`, token, create);
      expect(res.status).toBe(201);
      expect(res.headers.etag).toBe('"1"');
      expect(res.body).toMatchObject({
        repositoryId: world.repositoryId,
        category,
        version: 1,
        content: create,
        createdBy: world.patient.userId,
        updatedBy: world.patient.userId,
      });
      entryId = res.body.id;
    });

    it('reads it back and lists it', async () => {
      const one = await call(app, 'GET', `${base}/${segment}/${entryId}`, token);
      expect(one.status).toBe(200);
      expect(one.headers.etag).toBe('"1"');
      expect(one.body.content).toMatchObject(create);
      const list = await call(app, 'GET', `${base}/${segment}`, token);
      expect(list.status).toBe(200);
      expect(list.body.data.map((e: { id: string }) => e.id)).toEqual([entryId]);
      expect(list.body.page).toEqual({ nextCursor: null, limit: 20 });
    });

    it('replaces the content as version 2, refusing a stale If-Match with 409', async () => {
      const res = await call(app, 'PUT', `${base}/${segment}/${entryId}`, token, update, { 'if-match': '"1"' });
      expect(res.status).toBe(200);
      expect(res.headers.etag).toBe('"2"');
      expect(res.body).toMatchObject({ version: 2, content: update });
      const stale = await call(app, 'PUT', `${base}/${segment}/${entryId}`, token, create, { 'if-match': '"1"' });
      expect(stale.status).toBe(409);
      expect(stale.body).toMatchObject({ code: 'VERSION_CONFLICT', currentVersion: 2 });
      const staleBody = await call(app, 'PUT', `${base}/${segment}/${entryId}`, token, {
        ...create,
        expectedVersion: 1,
      });
      expect(staleBody.status).toBe(409);
    });

    it('soft-deletes it: 204, then 404 and gone from the list', async () => {
      expect((await call(app, 'DELETE', `${base}/${segment}/${entryId}`, token)).status).toBe(204);
      expect((await call(app, 'GET', `${base}/${segment}/${entryId}`, token)).status).toBe(404);
      expect((await call(app, 'PUT', `${base}/${segment}/${entryId}`, token, update)).status).toBe(404);
      expect((await call(app, 'DELETE', `${base}/${segment}/${entryId}`, token)).status).toBe(404);
      expect((await call(app, 'GET', `${base}/${segment}`, token)).body.data).toEqual([]);
    });

    it('keeps every version in the history, oldest first', async () => {
      const res = await call(app, 'GET', `${base}/${segment}/${entryId}/history`, token);
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual([
        expect.objectContaining({
          version: 1,
          change: 'CREATED',
          changedBy: world.patient.userId,
          content: expect.objectContaining(create),
        }),
        expect.objectContaining({ version: 2, change: 'UPDATED', content: expect.objectContaining(update) }),
        expect.objectContaining({ version: 3, change: 'DELETED', content: expect.objectContaining(update) }),
      ]);
      expect(typeof res.body.data[0].changedAt).toBe('string');
    });

    it('stores the content only as ciphertext, per version, and audits without content', async () => {
      const { rows: entries } = await asOwner((c) =>
        c.query('SELECT data, key_id, version, deleted_at FROM patient_entries WHERE id = $1', [entryId]),
      );
      const { rows: versions } = await asOwner((c) =>
        c.query('SELECT data, version, change FROM patient_entry_versions WHERE entry_id = $1 ORDER BY version', [
          entryId,
        ]),
      );
      expect(entries[0]).toMatchObject({ version: 3, deleted_at: expect.any(Date) });
      expect(versions.map((v) => [v.version, v.change])).toEqual([
        [1, 'CREATED'],
        [2, 'UPDATED'],
        [3, 'DELETED'],
      ]);
      const stored = JSON.stringify([entries, versions]);
      for (const value of Object.values({ ...create, ...update })) {
        if (typeof value === 'string' && value.length > 3) expect(stored).not.toContain(value);
      }
      expect(entries[0].data).toMatch(/^k1\./);
      const { rows: audits } = await asOwner((c) =>
        c.query('SELECT action, before, after FROM audit_log WHERE resource_id = $1 ORDER BY seq', [entryId]),
      );
      expect(audits.map((a) => a.action)).toEqual([
        'patient-entry.created',
        'patient-entry.updated',
        'patient-entry.deleted',
      ]);
      expect(audits[1]).toMatchObject({
        before: { version: 1 },
        after: { category, version: 2, repositoryId: world.repositoryId },
      });
      const audited = JSON.stringify(audits);
      for (const value of Object.values({ ...create, ...update })) {
        if (typeof value === 'string' && value.length > 3) expect(audited).not.toContain(value);
      }
    });
  });

  it('pages a list newest first with a cursor', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await call(app, 'POST', `${base}/allergies`, token, {
        substance: `substance ${i}`,
        severity: 'MILD',
        status: 'ACTIVE',
      });
      ids.push(res.body.id);
    }
    const first = await call(app, 'GET', `${base}/allergies?limit=2`, token);
    const second = await call(app, 'GET', `${base}/allergies?limit=2&cursor=${first.body.page.nextCursor}`, token);
    const third = await call(app, 'GET', `${base}/allergies?limit=2&cursor=${second.body.page.nextCursor}`, token);
    const seen = [...first.body.data, ...second.body.data, ...third.body.data].map((e: { id: string }) => e.id);
    expect(seen).toEqual([...ids].reverse());
    expect(third.body.page.nextCursor).toBeNull();
    expect((await call(app, 'GET', `${base}/allergies?cursor=bm9wZQ`, token)).status).toBe(400);
  });

  it('answers 404 for an entry of another category, and 400 for malformed ids and If-Match', async () => {
    const diagnosis = await call(app, 'POST', `${base}/diagnoses`, token, SAMPLES.diagnoses.create);
    expect((await call(app, 'GET', `${base}/medications/${diagnosis.body.id}`, token)).status).toBe(404);
    expect((await call(app, 'GET', `${base}/medications/${diagnosis.body.id}/history`, token)).status).toBe(404);
    const badId = await call(app, 'GET', `${base}/diagnoses/not-a-uuid`, token);
    expect(badId.status).toBe(400);
    expect(badId.body.errors).toEqual([{ field: 'entryId', message: 'must be a UUID' }]);
    const badIfMatch = await call(
      app,
      'PUT',
      `${base}/diagnoses/${diagnosis.body.id}`,
      token,
      SAMPLES.diagnoses.update,
      {
        'if-match': 'yesterday',
      },
    );
    expect(badIfMatch.status).toBe(400);
    expect(badIfMatch.body.errors[0].field).toBe('If-Match');
    const weak = await call(app, 'PUT', `${base}/diagnoses/${diagnosis.body.id}`, token, SAMPLES.diagnoses.update, {
      'if-match': 'W/"1"',
    });
    expect(weak.status).toBe(200);
  });

  it('refuses malformed codes with 400 naming the field, never echoing the value', async () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ['diagnoses', { ...SAMPLES.diagnoses.create, icd10Code: 'U07.1' }, 'icd10Code'],
      ['diagnoses', { ...SAMPLES.diagnoses.create, icd10Code: 'E11.99999' }, 'icd10Code'],
      ['medications', { ...SAMPLES.medications.create, rxnormCode: 'RX-860975' }, 'rxnormCode'],
      ['procedures', { ...SAMPLES.procedures.create, cptCode: '4537X' }, 'cptCode'],
      ['immunizations', { ...SAMPLES.immunizations.create, cvxCode: '2081' }, 'cvxCode'],
      ['family-history', { ...SAMPLES['family-history'].create, icd10Code: 'diabetes' }, 'icd10Code'],
      ['family-history', { ...SAMPLES['family-history'].create, relation: 'FRIEND' }, 'relation'],
    ];
    for (const [segment, body, field] of cases) {
      const res = await call(app, 'POST', `${base}/${segment}`, token, body);
      expect([segment, field, res.status, res.body.code]).toEqual([segment, field, 400, 'VALIDATION_FAILED']);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual([field]);
      expect(res.body.errors[0].message).not.toContain(String(body[field]));
    }
  });

  it('refuses impossible values: out-of-range vitals, future dates, inverted periods, dose numbers', async () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ['vital-signs', { type: 'HEART_RATE', value: 350, measuredAt: '2026-11-20T08:30:00Z' }, 'value'],
      ['vital-signs', { type: 'BODY_TEMPERATURE', value: 98.6, measuredAt: '2026-11-20T08:30:00Z' }, 'value'],
      ['vital-signs', { type: 'OXYGEN_SATURATION', value: 101, measuredAt: '2026-11-20T08:30:00Z' }, 'value'],
      [
        'vital-signs',
        { type: 'BLOOD_PRESSURE', systolic: 80, diastolic: 90, measuredAt: '2026-11-20T08:30:00Z' },
        'diastolic',
      ],
      [
        'vital-signs',
        { type: 'BLOOD_PRESSURE', value: 120, systolic: 120, diastolic: 80, measuredAt: '2026-11-20T08:30:00Z' },
        'value',
      ],
      ['vital-signs', { type: 'HEART_RATE', measuredAt: '2026-11-20T08:30:00Z' }, 'value'],
      ['vital-signs', { type: 'HEART_RATE', value: 70, measuredAt: '2099-01-01T00:00:00Z' }, 'measuredAt'],
      ['vital-signs', { type: 'PULSE', value: 70, measuredAt: '2026-11-20T08:30:00Z' }, 'type'],
      [
        'vital-signs',
        { type: 'HEART_RATE', value: 70, measuredAt: '2026-11-20T08:30:00Z', loincCode: '0000-0' },
        'loincCode',
      ],
      ['diagnoses', { ...SAMPLES.diagnoses.create, onsetDate: '2099-01-01' }, 'onsetDate'],
      ['diagnoses', { ...SAMPLES.diagnoses.create, onsetDate: '2023-02-29' }, 'onsetDate'],
      ['medications', { ...SAMPLES.medications.create, endDate: '2019-04-30' }, 'endDate'],
      ['immunizations', { ...SAMPLES.immunizations.create, doseNumber: 21 }, 'doseNumber'],
      ['immunizations', { ...SAMPLES.immunizations.create, date: '2099-01-01' }, 'date'],
      ['procedures', { ...SAMPLES.procedures.create, performedDate: '2099-01-01' }, 'performedDate'],
      ['family-history', { ...SAMPLES['family-history'].create, ageAtOnset: 131 }, 'ageAtOnset'],
    ];
    for (const [segment, body, field] of cases) {
      const res = await call(app, 'POST', `${base}/${segment}`, token, body);
      expect([segment, field, res.status]).toEqual([segment, field, 400]);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    const vital = await call(app, 'POST', `${base}/vital-signs`, token, {
      type: 'HEART_RATE',
      value: 350,
      measuredAt: '2026-11-20T08:30:00Z',
    });
    expect(vital.body.errors[0].message).toBe('must be between 20 and 300 /min for HEART_RATE');
  });

  it('sets the LOINC code and UCUM unit of each vital sign from its type', async () => {
    const expected: [string, number, string, string][] = [
      ['HEART_RATE', 72, '8867-4', '/min'],
      ['RESPIRATORY_RATE', 16, '9279-1', '/min'],
      ['BODY_TEMPERATURE', 37.1, '8310-5', 'Cel'],
      ['OXYGEN_SATURATION', 97, '2708-6', '%'],
      ['BODY_HEIGHT', 172, '8302-2', 'cm'],
      ['BODY_WEIGHT', 70.5, '29463-7', 'kg'],
      ['BMI', 23.8, '39156-5', 'kg/m2'],
      ['HEAD_CIRCUMFERENCE', 56, '9843-4', 'cm'],
    ];
    for (const [type, value, loincCode, unit] of expected) {
      const res = await call(app, 'POST', `${base}/vital-signs`, token, {
        type,
        value,
        measuredAt: '2026-11-20T09:30:00+01:00',
      });
      expect([type, res.status, res.body.content]).toEqual([
        type,
        201,
        { type, value, loincCode, unit, measuredAt: '2026-11-20T08:30:00.000Z' },
      ]);
    }
    const bp = await call(app, 'POST', `${base}/vital-signs`, token, SAMPLES['vital-signs'].create);
    expect(bp.body.content).toMatchObject({ loincCode: '85354-9', unit: 'mm[Hg]', systolic: 128, diastolic: 84 });
  });
});
