import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { encodeCursor } from '@itinera/platform';
import { startApi } from '../support/test-apps';
import { call, entriesWorld, SAMPLES, type EntriesWorld } from './entries-fixtures';

/** Values of every JSON type, and the strings and numbers that break naive code. */
const JUNK: unknown[] = [
  null,
  true,
  0,
  -1,
  1.5,
  1e308,
  '',
  ' ',
  'x'.repeat(5_000),
  'nul\u0000byte',
  "'; DROP TABLE patient_entries; --",
  'constructor',
  '__proto__',
  [],
  ['E11.9'],
  {},
  { $gt: '' },
];

describe('clinical entries: malformed input never causes a server error', () => {
  let app: NestFastifyApplication;
  let world: EntriesWorld;
  let base: string;
  const entryIds: Record<string, string> = {};

  beforeAll(async () => {
    // Thousands of requests from one user: lift the per-user rate limit, which is not the subject here.
    app = await startApi({ RATE_LIMIT_MAX: '1000000' });
    world = await entriesWorld(app);
    base = `/patient-repositories/${world.repositoryId}`;
    for (const [segment, { create }] of Object.entries(SAMPLES)) {
      entryIds[segment] = (await call(app, 'POST', `${base}/${segment}`, world.patient.accessToken, create)).body.id;
    }
  });
  afterAll(() => app.close());

  it.each(Object.keys(SAMPLES))(
    '%s: every field set to junk answers 400 VALIDATION_FAILED (or is valid)',
    async (segment) => {
      const token = world.patient.accessToken;
      const { create } = SAMPLES[segment];
      for (const field of [...Object.keys(create), 'type', 'value', 'systolic', 'expectedVersion']) {
        for (const junk of JUNK) {
          const body = { ...create, [field]: junk };
          for (const [method, url] of [
            ['POST', `${base}/${segment}`],
            ['PUT', `${base}/${segment}/${entryIds[segment]}`],
          ] as const) {
            const res = await call(app, method, url, token, body);
            // Some junk is valid for some fields (e.g. a long-enough string); all else must be a 400.
            expect([segment, method, field, JSON.stringify(junk).slice(0, 40), res.status < 500]).toEqual([
              segment,
              method,
              field,
              JSON.stringify(junk).slice(0, 40),
              true,
            ]);
            if (res.status === 400) {
              expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
              expect(res.body.code).toBe('VALIDATION_FAILED');
            } else {
              expect([200, 201]).toContain(res.status);
            }
          }
        }
      }
      // Not-a-JSON-object bodies.
      for (const junk of [null, 42, 'text', [create]]) {
        const res = await app.inject({
          method: 'POST',
          url: `${base}/${segment}`,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          payload: JSON.stringify(junk),
        });
        expect([JSON.stringify(junk), res.statusCode]).toEqual([JSON.stringify(junk), 400]);
      }
    },
  );

  it('refuses malformed If-Match headers, cursors and limits with 400', async () => {
    const token = world.patient.accessToken;
    const url = `${base}/diagnoses/${entryIds.diagnoses}`;
    for (const ifMatch of ['"0"', '"-1"', '"abc"', '"99999999999"', 'W/', '""', '"1", "2"', '1.5']) {
      const res = await call(app, 'PUT', url, token, SAMPLES.diagnoses.update, { 'if-match': ifMatch });
      expect([ifMatch, res.status]).toEqual([ifMatch, 400]);
    }
    const conflicting = await call(
      app,
      'PUT',
      url,
      token,
      { ...SAMPLES.diagnoses.update, expectedVersion: 2 },
      { 'if-match': '"1"' },
    );
    expect(conflicting.status).toBe(400);
    expect(conflicting.body.errors[0].field).toBe('expectedVersion');

    const cursors = [
      'not!base64',
      encodeCursor(['yesterday', entryIds.diagnoses]),
      encodeCursor([1e300]),
      encodeCursor([-1]),
      encodeCursor(['2026-01-01T00:00:00.000Z']),
    ];
    for (const cursor of cursors) {
      for (const path of [`${base}/diagnoses`, `${url}/history`, `${base}/export`]) {
        const res = await call(app, 'GET', `${path}?cursor=${encodeURIComponent(cursor)}`, token);
        expect([path, cursor, res.status]).toEqual([path, cursor, 400]);
      }
    }
    for (const limit of ['0', '-5', 'abc', '101', '1.5']) {
      const res = await call(app, 'GET', `${base}/diagnoses?limit=${limit}`, token);
      expect([limit, res.status]).toEqual([limit, 400]);
    }
    expect((await call(app, 'GET', `${base}/diagnoses?sort=createdAt`, token)).status).toBe(400);
    expect((await call(app, 'GET', `${base}/export?categories[]=DIAGNOSES`, token)).status).toBe(400);
  });

  it('answers 404 for ids that exist nowhere, and for an entry named under another repository', async () => {
    const token = world.patient.accessToken;
    const nowhere = '00000000-0000-4000-8000-000000000000';
    expect((await call(app, 'GET', `/patient-repositories/${nowhere}/diagnoses`, token)).status).toBe(404);
    expect(
      (await call(app, 'POST', `/patient-repositories/${nowhere}/diagnoses`, token, SAMPLES.diagnoses.create)).status,
    ).toBe(404);
    expect((await call(app, 'GET', `/patient-repositories/${nowhere}/export`, token)).status).toBe(404);
    expect((await call(app, 'GET', `${base}/diagnoses/${nowhere}`, token)).status).toBe(404);
    expect((await call(app, 'GET', `${base}/diagnoses/${nowhere}/history`, token)).status).toBe(404);
    expect((await call(app, 'PUT', `${base}/diagnoses/${nowhere}`, token, SAMPLES.diagnoses.update)).status).toBe(404);
    expect((await call(app, 'DELETE', `${base}/diagnoses/${nowhere}`, token)).status).toBe(404);
  });
});
