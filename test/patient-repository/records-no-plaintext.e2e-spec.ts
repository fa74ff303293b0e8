import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { startApi } from '../support/test-apps';
import { asOwner, bearer, createPlatformAdmin, createTenant } from '../support/identity-fixtures';
import { activeRepository, addMember, insertGrant, personalInfo, type PersonalInfoBody } from './records-fixtures';

/**
 * Every value a person could be recognised by, and each as people might search for it (the
 * accented and the plain spelling, lower-case).
 */
function needlesOf(info: PersonalInfoBody): string[] {
  const values = [
    ...info.legalName.given,
    info.legalName.family,
    info.dateOfBirth,
    info.address.postalCode,
    info.address.line[0],
    info.identifiers[0].value,
    info.contact!.email!,
    info.contact!.phone!,
  ];
  return [...new Set(values.flatMap((v) => [v, v.normalize('NFD').replace(/\p{M}/gu, '')]))];
}

describe('no plaintext personal information at rest', () => {
  let app: NestFastifyApplication;
  beforeAll(async () => {
    app = await startApi();
  });
  afterAll(() => app.close());

  it('finds none of the patient’s identifying values in any table, read raw as the owner', async () => {
    const tenant = await createTenant(app, await createPlatformAdmin(app), ['OWNER']);
    const tag = randomBytes(5).toString('hex');
    const first = personalInfo({
      legalName: { given: [`Émilie${tag}`], family: `Łukasiewicz${tag}` },
      dateOfBirth: '1957-03-21',
      address: { line: [`${tag} Rue Saint-Éloi`], city: 'Lyon', postalCode: `F${tag.slice(0, 5)}`, country: 'FR' },
      identifiers: [{ system: 'urn:oid:1.2.250.1.213.1.4.8', value: `NIR${tag}` }],
      contact: { email: `emilie.${tag}@mail.example.test`, phone: '+33612345678' },
    });
    const { repositoryId, patient } = await activeRepository(app, tenant, { info: first });
    // The details replaced once (both versions must be absent), read by the patient and by a specialist.
    const second = personalInfo({ dateOfBirth: '1957-03-22' });
    const put = await app.inject({
      method: 'PUT',
      url: `/patient-repositories/${repositoryId}/personal-info`,
      payload: second,
      headers: bearer(patient.accessToken),
    });
    expect(put.statusCode).toBe(200);
    const specialist = await addMember(app, tenant, 'SPECIALIST');
    await insertGrant(tenant.id, repositoryId, specialist.userId, ['PERSONAL_INFO', 'DIAGNOSES']);
    for (const reader of [patient, specialist]) {
      const read = await app.inject({
        method: 'GET',
        url: `/patient-repositories/${repositoryId}/personal-info`,
        headers: bearer(reader.accessToken),
      });
      expect(read.statusCode).toBe(200);
    }
    // A clinical entry with a recognisable note: health data must be sealed too.
    const entryMarker = `entry-note-${tag}`;
    const entry = await app.inject({
      method: 'POST',
      url: `/patient-repositories/${repositoryId}/diagnoses`,
      payload: { icd10Code: 'J45.909', description: `Asthma ${entryMarker}`, status: 'ACTIVE' },
      headers: bearer(patient.accessToken),
    });
    expect(entry.statusCode).toBe(201);

    // The control: the account email is stored in plain (users.email), so the scan must find it.
    const needles = [...needlesOf(first), ...needlesOf(second), entryMarker, patient.email];
    const found = await asOwner(async (c) => {
      const { rows: tables } = await c.query<{ name: string }>(
        `SELECT quote_ident(table_name) AS name FROM information_schema.tables
          WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
      );
      expect(tables.map((t) => t.name)).toEqual(
        expect.arrayContaining([
          'patient_repositories',
          'patient_entries',
          'patient_entry_versions',
          'phi_access_log',
          'audit_log',
        ]),
      );
      const hits: string[] = [];
      for (const { name } of tables) {
        const { rows } = await c.query<{ needle: string }>(
          `SELECT n AS needle FROM unnest($1::text[]) AS n
            WHERE EXISTS (SELECT 1 FROM ${name} t WHERE strpos(lower(t::text), lower(n)) > 0)`,
          [needles],
        );
        hits.push(...rows.map((r) => `${name}: ${r.needle}`));
      }
      return hits;
    });
    expect(found).toContain(`users: ${patient.email}`);
    expect(found.filter((hit) => !hit.endsWith(`: ${patient.email}`))).toEqual([]);

    // The values are there, sealed: the patient reads them back.
    const back = await app.inject({
      method: 'GET',
      url: `/patient-repositories/${repositoryId}/personal-info`,
      headers: bearer(patient.accessToken),
    });
    expect(back.json()).toEqual(second);
  });
});
