import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { bearer } from '../support/identity-fixtures';
import { startApi } from '../support/test-apps';
import { withClient } from '../support/test-databases';

const ROOT = path.join(__dirname, '..', '..');
const DEMO_PASSWORD = 'itinera-demo-local';

function seed() {
  return spawnSync(process.execPath, [require.resolve('prisma/build/index.js'), 'db', 'seed'], {
    cwd: ROOT,
    env: process.env,
    encoding: 'utf8',
  });
}

const owner = <T>(work: Parameters<typeof withClient<T>>[1]) => withClient(process.env.DIRECT_DATABASE_URL!, work);

/**
 * The demo patient records of `npm run db:seed`, read back through the API as their users would:
 * sealed with the app's keys (the API decrypts them), shared with the specialist, analysed, and a
 * second patient who can pass the identity challenge with the printed answers. Seeding twice
 * changes nothing.
 */
describe('npm run db:seed: patient records', () => {
  let app: NestFastifyApplication;
  let output: string;

  beforeAll(async () => {
    const first = seed();
    expect(first.status).toBe(0);
    output = first.stdout;
    app = await startApi();
  }, 180_000);

  afterAll(async () => {
    await app?.close();
  });

  const signIn = async (email: string) => {
    const r = await app.inject({ method: 'POST', url: '/auth/login', payload: { email, password: DEMO_PASSWORD } });
    expect(r.statusCode).toBe(200);
    return bearer(r.json<{ accessToken: string }>().accessToken);
  };
  const get = (url: string, headers: Record<string, string>) => app.inject({ method: 'GET', url, headers });

  it('gives each demo patient a readable record with entries, analyses and findings, shared with the specialist', async () => {
    const patient = await signIn('patient@acme-clinic.local');
    const [record] = (await get('/patient-repositories', patient)).json<{ data: { id: string; status: string }[] }>()
      .data;
    expect(record.status).toBe('ACTIVE');
    const info = await get(`/patient-repositories/${record.id}/personal-info`, patient);
    expect(info.statusCode).toBe(200);
    expect(info.json()).toMatchObject({ legalName: { family: 'Rivera' }, dateOfBirth: '1968-04-12' });
    const vitals = (await get(`/patient-repositories/${record.id}/vital-signs`, patient)).json<{ data: unknown[] }>();
    expect(vitals.data).toHaveLength(6);
    const analyses = (await get(`/patient-repositories/${record.id}/analyses`, patient)).json<{
      data: { id: string; kind: string; status: string }[];
    }>().data;
    expect(analyses.map((a) => a.kind).sort()).toEqual(
      ['DRUG_ALLERGY', 'DUPLICATE_THERAPY', 'IMMUNIZATIONS', 'RECORD_SUMMARY', 'VITAL_SIGNS'].sort(),
    );
    expect(analyses.every((a) => a.status === 'COMPLETED')).toBe(true);
    const conflict = analyses.find((a) => a.kind === 'DRUG_ALLERGY')!;
    const detail = await get(`/patient-repositories/${record.id}/analyses/${conflict.id}`, patient);
    expect(detail.json<{ findings: { code: string }[] }>().findings.map((f) => f.code)).toContain(
      'DRUG_ALLERGY_CONFLICT',
    );

    const specialist = await signIn('specialist@acme-clinic.local');
    expect((await get(`/patient-repositories/${record.id}/diagnoses`, specialist)).statusCode).toBe(200);
    expect((await get(`/patient-repositories/${record.id}/procedures`, specialist)).statusCode).toBe(403);
  });

  it('leaves the second patient pending, with the printed answers passing the identity challenge', async () => {
    const [, dateOfBirth, postalCode] = /patient2@ \(PENDING_IDENTITY: date of birth (\S+), postcode (\S+)\)/.exec(
      output.split('\n').find((l) => l.includes('acme-clinic') && l.includes('patient2@'))!,
    )!;
    const patient2 = await signIn('patient2@acme-clinic.local');
    const [record] = (await get('/patient-repositories', patient2)).json<{ data: { id: string; status: string }[] }>()
      .data;
    expect(record.status).toBe('PENDING_IDENTITY');
    const challenge = await app.inject({
      method: 'POST',
      url: `/patient-repositories/${record.id}/identity-challenges`,
      headers: patient2,
    });
    const answered = await app.inject({
      method: 'POST',
      url: `/patient-repositories/${record.id}/identity-challenges/${challenge.json<{ id: string }>().id}/answers`,
      payload: { answers: { dateOfBirth, postalCode } },
      headers: patient2,
    });
    expect(answered.statusCode).toBe(200);
  });

  it('changes nothing when run again', async () => {
    const count = () =>
      owner(async (c) => {
        const { rows } = await c.query<{ n: string }>(
          `SELECT (SELECT count(*) FROM patient_repositories) + (SELECT count(*) FROM patient_entries)
                + (SELECT count(*) FROM consent_grants) + (SELECT count(*) FROM patient_analyses)
                + (SELECT count(*) FROM analysis_findings) AS n`,
        );
        return rows[0].n;
      });
    const before = await count();
    expect(seed().status).toBe(0);
    expect(await count()).toBe(before);
  }, 180_000);
});
