import type { AnalysisKind, Prisma, PrismaClient } from '@prisma/client';
import { KeyRing, validateEnvironment } from '@itinera/platform';
import {
  entryAad,
  identityHash,
  personalInfoAad,
  resolveVitalThresholds,
  VITAL_SIGNS,
  type Analyser,
  type AnalyserContext,
  type DecryptedEntry,
  type EntryCategory,
  type EntryContentByCategory,
  type PersonalInfo,
  type VitalSignType,
} from '@itinera/patient-repository';
import { DrugAllergyAnalyser } from '@itinera/patient-repository/analyses/analysers/drug-allergy.analyser';
import { DuplicateTherapyAnalyser } from '@itinera/patient-repository/analyses/analysers/duplicate-therapy.analyser';
import { ImmunizationsAnalyser } from '@itinera/patient-repository/analyses/analysers/immunizations.analyser';
import { RecordSummaryAnalyser } from '@itinera/patient-repository/analyses/analysers/record-summary.analyser';
import { VitalSignsAnalyser } from '@itinera/patient-repository/analyses/analysers/vital-signs.analyser';
import { DEMO_DOMAINS, demoUuid } from './demo-ids';
import { DEMO_PASSWORD, upsertUser } from './identity';
import type { Seed } from './index';

/**
 * Demonstration patient records for each demo tenant:
 *   - patient@<domain>.local: an ACTIVE (identity-verified) repository with entries of every
 *     category, chosen so the built-in analysers find something (a rising blood pressure, a
 *     penicillin allergy beside amoxicillin, ibuprofen twice, an old tetanus booster); a live
 *     consent grant to specialist@<domain>.local for diagnoses, medications, allergies and vital
 *     signs (purpose TREAT, 90 days); and five COMPLETED analyses with their findings.
 *   - patient2@<domain>.local: a repository registered by staff, still PENDING_IDENTITY, so the
 *     identity challenge can be tried (date of birth 1985-09-30, postcode in the summary line).
 * Personal information and entries are sealed with the app's own key ring (ENCRYPTION_KEYS and
 * IDENTITY_HASH_KEY from the environment or .env, else the development defaults), exactly as the
 * API stores them. Ids are derived from the tenant, so seeding twice changes nothing.
 */

type EntrySeed = { [C in EntryCategory]: { category: C; content: EntryContentByCategory[C] } }[EntryCategory];

const DAY = 24 * 3_600_000;
const daysAgo = (days: number, from: number) => new Date(from - days * DAY);
const isoDate = (date: Date) => date.toISOString().slice(0, 10);

function vital(
  type: VitalSignType,
  measuredAt: Date,
  values: { value?: number; systolic?: number; diastolic?: number },
) {
  const definition = VITAL_SIGNS[type];
  return {
    category: 'VITAL_SIGNS' as const,
    content: {
      type,
      ...values,
      loincCode: definition.loincCode,
      unit: definition.unit,
      measuredAt: measuredAt.toISOString(),
    },
  };
}

function demoEntries(reference: number): EntrySeed[] {
  return [
    {
      category: 'DIAGNOSES',
      content: {
        icd10Code: 'E11.9',
        description: 'Type 2 diabetes mellitus without complications',
        status: 'ACTIVE',
        onsetDate: '2016-03-01',
      },
    },
    {
      category: 'DIAGNOSES',
      content: {
        icd10Code: 'I10',
        description: 'Essential (primary) hypertension',
        status: 'ACTIVE',
        onsetDate: '2019-07-15',
      },
    },
    {
      category: 'MEDICATIONS',
      content: {
        name: 'Metformin 500 mg tablet',
        rxnormCode: '861007',
        dose: '500 mg',
        route: 'ORAL',
        frequency: 'twice daily',
        startDate: '2016-03-10',
        status: 'ACTIVE',
      },
    },
    {
      category: 'MEDICATIONS',
      content: {
        name: 'Lisinopril 10 mg tablet',
        rxnormCode: '314076',
        dose: '10 mg',
        route: 'ORAL',
        frequency: 'once daily',
        startDate: '2019-08-01',
        status: 'ACTIVE',
      },
    },
    {
      category: 'MEDICATIONS',
      content: {
        name: 'Amoxicillin 500 mg capsule',
        rxnormCode: '308191',
        dose: '500 mg',
        route: 'ORAL',
        frequency: 'three times daily',
        startDate: isoDate(daysAgo(3, reference)),
        status: 'ACTIVE',
      },
    },
    {
      category: 'MEDICATIONS',
      content: {
        name: 'Ibuprofen 400 mg tablet',
        dose: '400 mg',
        route: 'ORAL',
        frequency: 'as needed',
        status: 'ACTIVE',
      },
    },
    {
      category: 'MEDICATIONS',
      content: {
        name: 'Advil',
        ingredients: ['ibuprofen'],
        dose: '200 mg',
        route: 'ORAL',
        frequency: 'as needed',
        status: 'ACTIVE',
      },
    },
    {
      category: 'ALLERGIES',
      content: {
        substance: 'penicillin',
        reaction: 'hives',
        severity: 'SEVERE',
        status: 'ACTIVE',
        onsetDate: '2001-05-01',
      },
    },
    vital('BLOOD_PRESSURE', daysAgo(60, reference), { systolic: 142, diastolic: 91 }),
    vital('BLOOD_PRESSURE', daysAgo(30, reference), { systolic: 158, diastolic: 99 }),
    vital('BLOOD_PRESSURE', daysAgo(2, reference), { systolic: 184, diastolic: 122 }),
    vital('HEART_RATE', daysAgo(2, reference), { value: 96 }),
    vital('OXYGEN_SATURATION', daysAgo(2, reference), { value: 97 }),
    vital('BODY_WEIGHT', daysAgo(2, reference), { value: 92.5 }),
    {
      category: 'PROCEDURES',
      content: { cptCode: '45378', description: 'Diagnostic colonoscopy', performedDate: '2021-11-04' },
    },
    { category: 'IMMUNIZATIONS', content: { cvxCode: '115', vaccine: 'Tdap', date: '2012-06-18', doseNumber: 1 } },
    {
      category: 'IMMUNIZATIONS',
      content: { cvxCode: '158', vaccine: 'Influenza, injectable, quadrivalent', date: '2022-10-03', doseNumber: 1 },
    },
    {
      category: 'FAMILY_HISTORY',
      content: { relation: 'MTH', condition: 'Type 2 diabetes mellitus', icd10Code: 'E11.9', ageAtOnset: 52 },
    },
    {
      category: 'FAMILY_HISTORY',
      content: {
        relation: 'FTH',
        condition: 'Myocardial infarction',
        icd10Code: 'I21.9',
        ageAtOnset: 61,
        deceased: true,
      },
    },
  ];
}

const PATIENTS: Record<string, { primary: PersonalInfo; pending: PersonalInfo }> = Object.fromEntries(
  DEMO_DOMAINS.map((domain, i) => [
    domain,
    {
      primary: {
        legalName: { given: [['Jordan', 'Avery', 'Morgan'][i]], family: ['Rivera', 'Okafor', 'Lindqvist'][i] },
        dateOfBirth: ['1968-04-12', '1972-11-03', '1959-01-27'][i],
        sex: (['female', 'male', 'other'] as const)[i],
        contact: { email: `patient@${domain}.local`, phone: `+1555010${i}200` },
        address: {
          line: [`${12 + i} Demo Street`],
          city: 'Springfield',
          state: 'IL',
          postalCode: `6270${i}`,
          country: 'US',
        },
        identifiers: [{ system: `urn:itinera:${domain}:mrn`, value: `MRN-${1000 + i}` }],
      },
      pending: {
        legalName: { given: ['Casey'], family: 'Demo' },
        dateOfBirth: '1985-09-30',
        sex: 'unknown' as const,
        contact: { email: `patient2@${domain}.local` },
        address: { line: ['1 Pending Lane'], city: 'Springfield', postalCode: `6271${i}`, country: 'US' },
        identifiers: [{ system: `urn:itinera:${domain}:mrn`, value: `MRN-${2000 + i}` }],
      },
    },
  ]),
);

/** The analysers the seed runs (the model review needs a provider, so it is left out). */
function analysers(): Analyser[] {
  return [
    new RecordSummaryAnalyser(),
    new VitalSignsAnalyser(resolveVitalThresholds(process.env.ANALYSIS_VITAL_THRESHOLDS), 3),
    new DrugAllergyAnalyser(),
    new DuplicateTherapyAnalyser(),
    new ImmunizationsAnalyser(),
  ];
}

/** The app's configuration (for its keys), with what a seed run need not set filled in. */
function keyMaterial(url: string) {
  const env = validateEnvironment({
    ...process.env,
    DATABASE_URL: url,
    REDIS_URL: process.env.REDIS_URL || 'redis://127.0.0.1:6379',
  });
  const keyRing = new KeyRing({ get: () => env.ENCRYPTION_KEYS } as never);
  return { keyRing, hashKey: Buffer.from(env.IDENTITY_HASH_KEY, 'base64') };
}

async function seedTenant(
  tx: Prisma.TransactionClient,
  tenantId: string,
  domain: string,
  users: { patient: string; patient2: string; specialist: string; admin: string },
  keys: ReturnType<typeof keyMaterial>,
): Promise<boolean> {
  const repositoryId = demoUuid(`patient-repository:${domain}`);
  if (await tx.patientRepository.findUnique({ where: { id: repositoryId } })) return false;
  const reference = Date.now();
  const { primary, pending } = PATIENTS[domain];
  const seal = (value: unknown, aad: string) => keys.keyRing.encrypt(JSON.stringify(value), aad);
  const audit = (action: string, resourceType: string, resourceId: string, after: Prisma.InputJsonObject) =>
    tx.$executeRaw`
      INSERT INTO audit_log (tenant_id, actor_type, actor_id, action, resource_type, resource_id, after, metadata)
      VALUES (${tenantId}::uuid, 'SYSTEM', 'db:seed', ${action}, ${resourceType}, ${resourceId},
              ${JSON.stringify(after)}::jsonb, '{"demo":true}'::jsonb)`;

  const repository = (id: string, patientUserId: string, info: PersonalInfo, verified: boolean) =>
    tx.patientRepository.create({
      data: {
        id,
        tenantId,
        patientUserId,
        status: verified ? 'ACTIVE' : 'PENDING_IDENTITY',
        personalInfo: seal(info, personalInfoAad(id)),
        keyId: keys.keyRing.currentKeyId,
        identityHash: new Uint8Array(identityHash(keys.hashKey, info)),
        registeredBy: users.admin,
        verifiedAt: verified ? new Date(reference - 30 * DAY) : null,
        createdAt: new Date(reference - 31 * DAY),
      },
    });
  await repository(repositoryId, users.patient, primary, true);
  await audit('patient-repository.registered', 'patient-repository', repositoryId, { status: 'ACTIVE' });
  const pendingId = demoUuid(`patient-repository:${domain}:pending`);
  await repository(pendingId, users.patient2, pending, false);
  await audit('patient-repository.registered', 'patient-repository', pendingId, { status: 'PENDING_IDENTITY' });

  const entries: DecryptedEntry[] = demoEntries(reference).map((entry, n) => {
    const createdAt = new Date(reference - (30 - n) * 3_600_000);
    return {
      id: demoUuid(`patient-entry:${domain}:${n}`),
      category: entry.category,
      version: 1,
      content: entry.content,
      createdAt,
      updatedAt: createdAt,
    };
  });
  const sealedEntries = entries.map((e) => ({ ...e, data: seal(e.content, entryAad(e.id, 1)) }));
  await tx.patientEntry.createMany({
    data: sealedEntries.map((e) => ({
      id: e.id,
      tenantId,
      repositoryId,
      category: e.category,
      version: 1,
      data: e.data,
      keyId: keys.keyRing.currentKeyId,
      createdBy: users.patient,
      updatedBy: users.patient,
      createdAt: e.createdAt,
      updatedAt: e.createdAt,
    })),
  });
  await tx.patientEntryVersion.createMany({
    data: sealedEntries.map((e) => ({
      tenantId,
      entryId: e.id,
      version: 1,
      change: 'CREATED' as const,
      data: e.data,
      keyId: keys.keyRing.currentKeyId,
      changedBy: users.patient,
      changedAt: e.createdAt,
    })),
  });

  const grantId = demoUuid(`consent-grant:${domain}`);
  await tx.consentGrant.create({
    data: {
      id: grantId,
      tenantId,
      repositoryId,
      specialistUserId: users.specialist,
      scopes: ['DIAGNOSES', 'MEDICATIONS', 'ALLERGIES', 'VITAL_SIGNS'],
      purpose: 'TREAT',
      periodStart: new Date(reference - DAY),
      periodEnd: new Date(reference + 90 * DAY),
      createdBy: users.patient,
    },
  });
  await audit('consent-grant.created', 'consent-grant', grantId, {
    repositoryId,
    scopes: ['DIAGNOSES', 'MEDICATIONS', 'ALLERGIES', 'VITAL_SIGNS'],
  });

  // Finished analyses: the real analysers over the entries above, stored as the job would.
  const context: AnalyserContext = {
    now: new Date(reference),
    progress: async () => {},
    checkpoint: async () => {},
    recordModelCall: async () => {},
  };
  for (const analyser of analysers()) {
    const id = demoUuid(`analysis:${domain}:${analyser.kind}`);
    const input = entries.filter((e) => analyser.categories.includes(e.category));
    const findings = await analyser.run(input, context);
    const startedAt = new Date(reference - 3_600_000);
    const finishedAt = new Date(startedAt.getTime() + 40);
    await tx.patientAnalysis.create({
      data: {
        id,
        tenantId,
        repositoryId,
        kind: analyser.kind as AnalysisKind,
        priority: 5,
        status: 'COMPLETED',
        progress: 100,
        requestedBy: users.patient,
        requestedByType: 'USER',
        attempts: 1,
        findingsCount: findings.length,
        startedAt,
        finishedAt,
        createdAt: startedAt,
      },
    });
    await tx.analysisFinding.createMany({
      data: findings.map((f) => ({
        tenantId,
        analysisId: id,
        code: f.code,
        severity: f.severity,
        message: f.message,
        evidence: f.evidence as unknown as Prisma.InputJsonArray,
      })),
    });
    await tx.analysisRun.create({
      data: {
        tenantId,
        analysisId: id,
        kind: analyser.kind,
        attempt: 1,
        outcome: 'COMPLETED',
        durationMs: 40,
        startedAt,
        finishedAt,
      },
    });
  }
  return true;
}

export const patientsSeed: Seed = {
  name: 'patients',
  async run(prisma: PrismaClient) {
    const keys = keyMaterial(process.env.DIRECT_DATABASE_URL || process.env.DATABASE_URL!);
    const lines: string[] = [];
    let created = 0;
    for (const domain of DEMO_DOMAINS) {
      const tenant = await prisma.tenant.findUnique({ where: { domain } });
      if (!tenant) throw new Error(`tenant ${domain} is missing: the identity seed runs first`);
      const byEmail = async (local: string) => {
        const user = await prisma.user.findUnique({ where: { email: `${local}@${domain}.local` } });
        if (!user) throw new Error(`user ${local}@${domain}.local is missing: the identity seed runs first`);
        return user.id;
      };
      const patient2 = await upsertUser(prisma, `patient2@${domain}.local`, `${tenant.name} patient 2`, DEMO_PASSWORD);
      const users = {
        patient: await byEmail('patient'),
        specialist: await byEmail('specialist'),
        admin: await byEmail('admin'),
        patient2: patient2.id,
      };
      const made = await prisma.$transaction(async (tx) => {
        await tx.$queryRaw`SELECT set_config('app.tenant_id', ${tenant.id}, true)`;
        await tx.membership.upsert({
          where: { tenantId_userId: { tenantId: tenant.id, userId: patient2.id } },
          update: {},
          create: { tenantId: tenant.id, userId: patient2.id, role: 'PATIENT' },
        });
        await tx.user.update({ where: { id: patient2.id }, data: { defaultTenantId: tenant.id } });
        return seedTenant(tx, tenant.id, domain, users, keys);
      });
      if (made) created++;
      lines.push(
        `tenant ${domain}: patient@ (ACTIVE record, grant to specialist@), patient2@ (PENDING_IDENTITY: date of birth ${PATIENTS[domain].pending.dateOfBirth}, postcode ${PATIENTS[domain].pending.address.postalCode})`,
      );
    }
    return `${created} tenant(s) seeded; ${lines.join('; ')}`;
  },
};
