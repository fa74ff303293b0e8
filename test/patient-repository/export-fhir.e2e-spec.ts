import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { asOwner } from '../support/identity-fixtures';
import { startApi } from '../support/test-apps';
import {
  activeRepository,
  addMember,
  call,
  entriesWorld,
  grantConsent,
  PERSONAL_INFO,
  SAMPLES,
  type EntriesWorld,
} from './entries-fixtures';

type Resource = Record<string, any> & { resourceType: string; id: string };
const resources = (bundle: { entry: { resource: Resource }[] }) => bundle.entry.map((e) => e.resource);
const ofType = (bundle: { entry: { resource: Resource }[] }, type: string) =>
  resources(bundle).filter((r) => r.resourceType === type);

/** PATIENT_EXPORT_PAGE_SIZE is small here so that paging shows with a few dozen entries. */
const PAGE_SIZE = 10;

describe('FHIR R4 export of a record', () => {
  let app: NestFastifyApplication;
  let world: EntriesWorld;
  let base: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    app = await startApi({ PATIENT_EXPORT_PAGE_SIZE: String(PAGE_SIZE) });
    world = await entriesWorld(app);
    base = `/patient-repositories/${world.repositoryId}`;
    for (const [segment, { create }] of Object.entries(SAMPLES)) {
      ids[segment] = (await call(app, 'POST', `${base}/${segment}`, world.patient.accessToken, create)).body.id;
    }
    ids.heartRate = (
      await call(app, 'POST', `${base}/vital-signs`, world.patient.accessToken, {
        type: 'HEART_RATE',
        value: 72,
        measuredAt: '2026-11-21T07:00:00Z',
      })
    ).body.id;
  });
  afterAll(() => app.close());

  it('exports the whole record in one collection bundle with a Patient and every resource type', async () => {
    const res = await call(app, 'GET', `${base}/export`, world.patient.accessToken);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/fhir+json; charset=utf-8');
    const bundle = res.body;
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'collection', timestamp: expect.any(String) });
    expect(bundle.link).toBeUndefined();
    expect(resources(bundle).map((r) => r.resourceType)).toEqual([
      'Patient',
      'Condition',
      'MedicationStatement',
      'AllergyIntolerance',
      'Observation',
      'Procedure',
      'Immunization',
      'FamilyMemberHistory',
      'Observation',
    ]);
    for (const entry of bundle.entry) expect(entry.fullUrl).toBe(`urn:uuid:${entry.resource.id}`);

    const [patient] = ofType(bundle, 'Patient');
    expect(patient).toEqual({
      resourceType: 'Patient',
      id: world.repositoryId,
      identifier: PERSONAL_INFO.identifiers,
      name: [{ use: 'official', family: 'Quintero', given: ['Ada', 'Maria'] }],
      telecom: [
        { system: 'email', value: PERSONAL_INFO.contact.email },
        { system: 'phone', value: PERSONAL_INFO.contact.phone },
      ],
      gender: 'female',
      birthDate: '1984-03-09',
      address: [PERSONAL_INFO.address],
    });
    const subject = { reference: `Patient/${world.repositoryId}` };

    const [condition] = ofType(bundle, 'Condition');
    expect(condition).toMatchObject({
      id: ids.diagnoses,
      meta: { versionId: '1' },
      clinicalStatus: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }],
      },
      code: {
        coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'E11.9' }],
        text: 'Type 2 diabetes mellitus',
      },
      subject,
      onsetDateTime: '2019-04-02',
    });

    const [medication] = ofType(bundle, 'MedicationStatement');
    expect(medication).toMatchObject({
      status: 'active',
      medicationCodeableConcept: {
        coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '860975' }],
      },
      subject,
      effectivePeriod: { start: '2019-05-01' },
      dosage: [{ text: '500 mg, twice daily', route: { text: 'oral' } }],
    });

    const [allergy] = ofType(bundle, 'AllergyIntolerance');
    expect(allergy).toMatchObject({
      patient: subject,
      code: { text: 'penicillin' },
      clinicalStatus: { coding: [{ code: 'active' }] },
      reaction: [{ manifestation: [{ text: 'hives' }], severity: 'moderate' }],
    });

    const [bp, heartRate] = ofType(bundle, 'Observation');
    const vitalSigns = [
      { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] },
    ];
    expect(bp).toMatchObject({
      meta: { profile: ['http://hl7.org/fhir/StructureDefinition/bp'] },
      status: 'final',
      category: vitalSigns,
      code: { coding: [{ system: 'http://loinc.org', code: '85354-9' }] },
      subject,
      effectiveDateTime: '2026-11-20T08:30:00.000Z',
      component: [
        {
          code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] },
          valueQuantity: { value: 128, unit: 'mm[Hg]', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' },
        },
        {
          code: { coding: [{ system: 'http://loinc.org', code: '8462-4' }] },
          valueQuantity: { value: 84, unit: 'mm[Hg]', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' },
        },
      ],
    });
    expect(bp.valueQuantity).toBeUndefined();
    expect(heartRate).toMatchObject({
      category: vitalSigns,
      code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
      valueQuantity: { value: 72, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
    });

    expect(ofType(bundle, 'Procedure')[0]).toMatchObject({
      status: 'completed',
      code: { coding: [{ system: 'http://www.ama-assn.org/go/cpt', code: '45378' }], text: 'Diagnostic colonoscopy' },
      performedDateTime: '2023-09-12',
      subject,
    });
    expect(ofType(bundle, 'Immunization')[0]).toMatchObject({
      status: 'completed',
      vaccineCode: { coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: '208' }] },
      patient: subject,
      occurrenceDateTime: '2021-05-01',
      lotNumber: 'EW0182',
      protocolApplied: [{ doseNumberPositiveInt: 1 }],
    });
    expect(ofType(bundle, 'FamilyMemberHistory')[0]).toMatchObject({
      status: 'completed',
      patient: subject,
      relationship: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode', code: 'MTH' }] },
      condition: [
        {
          code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'E11.9' }], text: 'type 2 diabetes' },
          onsetAge: { value: 52, system: 'http://unitsofmeasure.org', code: 'a' },
        },
      ],
    });
  });

  it('exports only the categories asked for, and never deleted entries', async () => {
    const res = await call(app, 'GET', `${base}/export?categories=VITAL_SIGNS,DIAGNOSES`, world.patient.accessToken);
    expect(resources(res.body).map((r) => r.resourceType)).toEqual(['Condition', 'Observation', 'Observation']);
    const extra = await call(app, 'POST', `${base}/procedures`, world.patient.accessToken, SAMPLES.procedures.create);
    await call(app, 'DELETE', `${base}/procedures/${extra.body.id}`, world.patient.accessToken);
    const procedures = await call(app, 'GET', `${base}/export?categories=PROCEDURES`, world.patient.accessToken);
    expect(resources(procedures.body).map((r) => r.id)).toEqual([ids.procedures]);
  });

  it('gives a specialist what the grant covers, refuses a named category it does not, and logs each export', async () => {
    const specialist = await addMember(app, world.tenant, 'SPECIALIST');
    const token = specialist.accessToken;
    expect((await call(app, 'GET', `${base}/export`, token)).status).toBe(404);
    const grantId = await grantConsent(world, specialist.userId, ['DIAGNOSES', 'MEDICATIONS']);

    const partial = await call(app, 'GET', `${base}/export`, token);
    expect(partial.status).toBe(200);
    expect(resources(partial.body).map((r) => r.resourceType)).toEqual(['Condition', 'MedicationStatement']);

    const refused = await call(app, 'GET', `${base}/export?categories=DIAGNOSES,ALLERGIES`, token);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: 'SCOPE_NOT_GRANTED', categories: ['ALLERGIES'] });
    expect((await call(app, 'GET', `${base}/export?categories=PERSONAL_INFO`, token)).status).toBe(403);

    const withPersonal = await addMember(app, world.tenant, 'SPECIALIST');
    await grantConsent(world, withPersonal.userId, ['PERSONAL_INFO', 'IMMUNIZATIONS']);
    const personal = await call(app, 'GET', `${base}/export`, withPersonal.accessToken);
    expect(resources(personal.body).map((r) => r.resourceType)).toEqual(['Patient', 'Immunization']);

    const { rows } = await asOwner((c) =>
      c.query(
        `SELECT action, outcome, reason, categories::text, grant_id FROM phi_access_log
          WHERE repository_id = $1 AND actor_id = $2 ORDER BY occurred_at, id`,
        [world.repositoryId, specialist.userId],
      ),
    );
    expect(rows).toEqual([
      expect.objectContaining({ action: 'EXPORT', outcome: 'DENIED', reason: 'NO_LIVE_GRANT' }),
      expect.objectContaining({
        action: 'EXPORT',
        outcome: 'ALLOWED',
        categories: '{DIAGNOSES,MEDICATIONS}',
        grant_id: grantId,
      }),
      expect.objectContaining({ action: 'EXPORT', outcome: 'DENIED', reason: 'SCOPE_NOT_GRANTED' }),
      expect.objectContaining({ action: 'EXPORT', outcome: 'DENIED', reason: 'SCOPE_NOT_GRANTED' }),
    ]);
    const audits = await asOwner((c) =>
      c.query("SELECT action FROM audit_log WHERE resource_id = $1 AND action LIKE 'patient-record.%'", [
        world.repositoryId,
      ]),
    );
    expect(audits.rows.map((r) => r.action)).toEqual(
      expect.arrayContaining(['patient-record.export', 'patient-record.access-denied']),
    );
  });

  it('pages a large record as searchset bundles linked by next, each entry exactly once, stable under new entries', async () => {
    const patient = await addMember(app, world.tenant, 'PATIENT');
    const repositoryId = await activeRepository(app, world.tenant, patient.userId);
    const url = `/patient-repositories/${repositoryId}`;
    const created: string[] = [];
    for (let i = 0; i < 27; i++) {
      const res = await call(app, 'POST', `${url}/vital-signs`, patient.accessToken, {
        type: 'BODY_WEIGHT',
        value: 60 + i,
        measuredAt: '2026-11-01T08:00:00Z',
      });
      created.push(res.body.id);
    }

    const seen: string[] = [];
    const pages: any[] = [];
    let next: string | undefined = `${url}/export`;
    while (next) {
      const res = await call(app, 'GET', next, patient.accessToken);
      expect(res.status).toBe(200);
      pages.push(res.body);
      if (pages.length === 2) {
        // An entry recorded mid-export comes after every position already paged past.
        created.push(
          (
            await call(app, 'POST', `${url}/vital-signs`, patient.accessToken, {
              type: 'BODY_WEIGHT',
              value: 99,
              measuredAt: '2026-11-02T08:00:00Z',
            })
          ).body.id,
        );
      }
      seen.push(
        ...resources(res.body)
          .filter((r) => r.resourceType !== 'Patient')
          .map((r) => r.id),
      );
      next = res.body.link.find((l: { relation: string }) => l.relation === 'next')?.url;
    }
    expect(pages).toHaveLength(3);
    expect(pages.map((p) => p.type)).toEqual(['searchset', 'searchset', 'searchset']);
    expect(pages.map((p) => p.entry.length)).toEqual([PAGE_SIZE + 1, PAGE_SIZE, 8]);
    expect(pages[0].entry[0]).toMatchObject({ resource: { resourceType: 'Patient' }, search: { mode: 'include' } });
    expect(pages[1].entry[0].search).toEqual({ mode: 'match' });
    expect(ofType(pages[1], 'Patient')).toEqual([]);
    expect(pages[0].link).toEqual([
      { relation: 'self', url: `${url}/export` },
      { relation: 'next', url: expect.stringMatching(new RegExp(`^${url}/export\\?cursor=[A-Za-z0-9_-]+$`)) },
    ]);
    expect(pages[2].link.map((l: { relation: string }) => l.relation)).toEqual(['self']);
    expect(seen).toEqual(created);
  });

  it('keeps the page size within PATIENT_EXPORT_PAGE_SIZE and refuses bad parameters with 400', async () => {
    const token = world.patient.accessToken;
    const small = await call(app, 'GET', `${base}/export?limit=2&categories=DIAGNOSES,VITAL_SIGNS`, token);
    expect(small.body.type).toBe('searchset');
    expect(small.body.entry).toHaveLength(2);
    const nextUrl = small.body.link.find((l: { relation: string }) => l.relation === 'next').url;
    expect(nextUrl).toMatch(/categories=DIAGNOSES%2CVITAL_SIGNS&limit=2&cursor=/);
    expect(resources((await call(app, 'GET', nextUrl, token)).body).map((r) => r.resourceType)).toEqual([
      'Observation',
    ]);

    for (const [query, field] of [
      [`limit=${PAGE_SIZE + 1}`, 'limit'],
      ['limit=0', 'limit'],
      ['categories=SECRETS', 'categories'],
      ['categories=', 'categories'],
      ['categories=DIAGNOSES,DIAGNOSES', 'categories'],
      ['cursor=bm9wZQ', 'cursor'],
    ]) {
      const res = await call(app, 'GET', `${base}/export?${query}`, token);
      expect([query, res.status]).toEqual([query, 400]);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
  });
});
