import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { startApi } from '../support/test-apps';
import {
  asOwner,
  bearer,
  createPlatformAdmin,
  createTenant,
  type TestTenant,
  type TestUser,
} from '../support/identity-fixtures';
import { addMember, personalInfo, registerPatient, type PersonalInfoBody } from './records-fixtures';

describe('identity challenges', () => {
  let app: NestFastifyApplication;
  let tenant: TestTenant;

  beforeAll(async () => {
    app = await startApi({
      IDENTITY_CHALLENGE_MAX_ATTEMPTS: '3',
      IDENTITY_CHALLENGE_COOLDOWN_MINUTES: '10',
      IDENTITY_CHALLENGE_TTL_MINUTES: '15',
    });
    tenant = await createTenant(app, await createPlatformAdmin(app), ['OWNER', 'ADMIN', 'PATIENT']);
  });
  afterAll(() => app.close());

  /** A PENDING_IDENTITY repository of a new patient. */
  async function pending(): Promise<{ repositoryId: string; patient: TestUser; info: PersonalInfoBody }> {
    const patient = await addMember(app, tenant, 'PATIENT');
    const info = personalInfo();
    const repository = await registerPatient(app, tenant.users.OWNER!, patient, info);
    return { repositoryId: repository.id, patient, info };
  }

  const challenge = (user: TestUser, repositoryId: string) =>
    app.inject({
      method: 'POST',
      url: `/patient-repositories/${repositoryId}/identity-challenges`,
      headers: bearer(user.accessToken),
    });
  const answer = (user: TestUser, repositoryId: string, challengeId: string, answers: object) =>
    app.inject({
      method: 'POST',
      url: `/patient-repositories/${repositoryId}/identity-challenges/${challengeId}/answers`,
      payload: { answers },
      headers: bearer(user.accessToken),
    });
  const wrong = { dateOfBirth: '1901-01-01', postalCode: 'ZZ9 9ZZ' };

  const auditOf = (repositoryId: string) =>
    asOwner(
      async (c) =>
        (
          await c.query<{ action: string; metadata: Record<string, unknown> | null; text: string }>(
            `SELECT action, metadata, row_to_json(a)::text AS text FROM audit_log a WHERE resource_id = $1 ORDER BY seq`,
            [repositoryId],
          )
        ).rows,
    );

  it('asks about what the tenant holds and, answered right, makes the repository ACTIVE', async () => {
    const { repositoryId, patient, info } = await pending();
    const created = await challenge(patient, repositoryId);
    expect(created.statusCode).toBe(201);
    expect(created.json()).toEqual({
      id: expect.any(String),
      status: 'OPEN',
      questions: [
        { id: 'dateOfBirth', prompt: expect.any(String) },
        { id: 'postalCode', prompt: expect.any(String) },
      ],
      attemptsRemaining: 3,
      expiresAt: expect.any(String),
    });
    expect(created.body).not.toContain(info.dateOfBirth);
    expect(created.body).not.toContain(info.address.postalCode);

    // Asking again while it is open returns the same challenge (no fresh attempts).
    const again = await challenge(patient, repositoryId);
    expect(again.statusCode).toBe(200);
    expect(again.json().id).toBe(created.json().id);

    const passed = await answer(patient, repositoryId, created.json().id, {
      dateOfBirth: info.dateOfBirth,
      // Case and spacing of the postal code do not matter.
      postalCode: ` ${info.address.postalCode.replace(' ', '').toLowerCase()} `,
    });
    expect(passed.statusCode).toBe(200);
    expect(passed.json()).toMatchObject({
      challenge: { id: created.json().id, status: 'PASSED', attemptsRemaining: 2 },
      repository: { id: repositoryId, status: 'ACTIVE', verifiedAt: expect.any(String) },
    });
    const row = await asOwner(
      async (c) =>
        (await c.query('SELECT status, verified_at FROM patient_repositories WHERE id = $1', [repositoryId])).rows[0],
    );
    expect(row.status).toBe('ACTIVE');
    expect(row.verified_at).toBeInstanceOf(Date);

    // Verified: no more challenges.
    expect((await challenge(patient, repositoryId)).statusCode).toBe(409);
    const replay = await answer(patient, repositoryId, created.json().id, {
      dateOfBirth: info.dateOfBirth,
      postalCode: info.address.postalCode,
    });
    expect(replay.statusCode).toBe(409);

    const audit = await auditOf(repositoryId);
    expect(audit.map((a) => a.action)).toEqual([
      'patient-repository.registered',
      'patient-identity.challenge_issued',
      'patient-identity.challenge_attempted',
      'patient-repository.verified',
      'patient-identity.challenge_attempted',
    ]);
    expect(audit[2].metadata).toMatchObject({ outcome: 'PASSED', attempt: 1 });
    expect(audit[4].metadata).toMatchObject({ outcome: 'REFUSED', reason: 'ALREADY_VERIFIED' });
    for (const entry of audit) {
      expect(entry.text).not.toContain(info.dateOfBirth);
      expect(entry.text).not.toContain(info.address.postalCode);
    }
  });

  it('counts wrong answers (422 with attemptsRemaining), fails the challenge at the limit, then cools down with 429', async () => {
    const { repositoryId, patient, info } = await pending();
    const { id } = (await challenge(patient, repositoryId)).json();
    const first = await answer(patient, repositoryId, id, wrong);
    expect(first.statusCode).toBe(422);
    expect(first.json()).toMatchObject({ code: 'IDENTITY_CHALLENGE_WRONG_ANSWERS', attemptsRemaining: 2 });
    // One right answer and one wrong is still wrong.
    const half = await answer(patient, repositoryId, id, { dateOfBirth: info.dateOfBirth, postalCode: 'ZZ9 9ZZ' });
    expect(half.json()).toMatchObject({ attemptsRemaining: 1 });
    const last = await answer(patient, repositoryId, id, wrong);
    expect(last.statusCode).toBe(422);
    expect(last.json()).toMatchObject({ attemptsRemaining: 0, cooldownUntil: expect.any(String) });

    // Cool-down: even the right answers, and any new challenge, get 429 with Retry-After.
    const right = { dateOfBirth: info.dateOfBirth, postalCode: info.address.postalCode };
    for (const refused of [await answer(patient, repositoryId, id, right), await challenge(patient, repositoryId)]) {
      expect(refused.statusCode).toBe(429);
      expect(refused.json().code).toBe('IDENTITY_CHALLENGE_COOLDOWN');
      const retryAfter = Number(refused.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(500);
      expect(retryAfter).toBeLessThanOrEqual(600);
    }
    const stored = await asOwner(
      async (c) => (await c.query('SELECT status, attempts FROM identity_challenges WHERE id = $1', [id])).rows[0],
    );
    expect(stored).toEqual({ status: 'FAILED', attempts: 3 });

    // Once the cool-down is over (moved back here rather than waited for), a new challenge can pass.
    await asOwner((c) =>
      c.query(`UPDATE identity_challenges SET last_attempt_at = now() - interval '11 minutes' WHERE id = $1`, [id]),
    );
    const failedAgain = await answer(patient, repositoryId, id, right);
    expect(failedAgain.statusCode).toBe(409);
    const fresh = await challenge(patient, repositoryId);
    expect(fresh.statusCode).toBe(201);
    expect(fresh.json().attemptsRemaining).toBe(3);
    expect((await answer(patient, repositoryId, fresh.json().id, right)).statusCode).toBe(200);

    const attempts = (await auditOf(repositoryId)).filter((a) => a.action === 'patient-identity.challenge_attempted');
    expect(attempts.map((a) => [a.metadata?.outcome, a.metadata?.attempt ?? a.metadata?.reason])).toEqual([
      ['WRONG', 1],
      ['WRONG', 2],
      ['FAILED', 3],
      ['REFUSED', 'COOLDOWN'],
      ['REFUSED', 'CHALLENGE_FAILED'],
      ['PASSED', 1],
    ]);
    const refusals = (await auditOf(repositoryId)).filter((a) => a.metadata?.reason === 'COOLDOWN');
    expect(refusals).toHaveLength(2);
  });

  it('never counts more attempts than allowed when answers race', async () => {
    const { repositoryId, patient } = await pending();
    const { id } = (await challenge(patient, repositoryId)).json();
    const responses = await Promise.all(Array.from({ length: 12 }, () => answer(patient, repositoryId, id, wrong)));
    const statuses = responses.map((r) => r.statusCode).sort();
    expect(statuses.filter((s) => s === 422)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(9);
    expect(
      responses
        .filter((r) => r.statusCode === 422)
        .map((r) => r.json().attemptsRemaining)
        .sort(),
    ).toEqual([0, 1, 2]);
    const stored = await asOwner(
      async (c) => (await c.query('SELECT status, attempts FROM identity_challenges WHERE id = $1', [id])).rows[0],
    );
    expect(stored).toEqual({ status: 'FAILED', attempts: 3 });
  });

  it('refuses an expired challenge with 410 and issues a new one instead', async () => {
    const { repositoryId, patient, info } = await pending();
    const { id } = (await challenge(patient, repositoryId)).json();
    await asOwner((c) =>
      c.query(`UPDATE identity_challenges SET expires_at = now() - interval '1 second' WHERE id = $1`, [id]),
    );
    const late = await answer(patient, repositoryId, id, {
      dateOfBirth: info.dateOfBirth,
      postalCode: info.address.postalCode,
    });
    expect(late.statusCode).toBe(410);
    expect(late.json().code).toBe('IDENTITY_CHALLENGE_EXPIRED');
    const status = await asOwner(
      async (c) => (await c.query('SELECT status FROM identity_challenges WHERE id = $1', [id])).rows[0].status,
    );
    expect(status).toBe('EXPIRED');
    const next = await challenge(patient, repositoryId);
    expect(next.statusCode).toBe(201);
    expect(next.json().id).not.toBe(id);
  });

  it("answers 404 to anyone but the repository's patient, and 403 to other roles", async () => {
    const { repositoryId, patient } = await pending();
    const other = await pending();
    const { id } = (await challenge(patient, repositoryId)).json();
    // Another patient: neither the repository nor its challenge exist for them.
    expect((await challenge(other.patient, repositoryId)).statusCode).toBe(404);
    expect((await answer(other.patient, repositoryId, id, wrong)).statusCode).toBe(404);
    // A challenge of another repository under this one's id.
    const otherChallenge = (await challenge(other.patient, other.repositoryId)).json().id;
    expect((await answer(patient, repositoryId, otherChallenge, wrong)).statusCode).toBe(404);
    expect((await challenge(patient, '00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
    expect((await challenge(tenant.users.OWNER!, repositoryId)).statusCode).toBe(403);
    // Malformed answers are a 400 and count nothing.
    const malformed = await app.inject({
      method: 'POST',
      url: `/patient-repositories/${repositoryId}/identity-challenges/${id}/answers`,
      payload: { answers: { dateOfBirth: '1990-01-01' } },
      headers: bearer(patient.accessToken),
    });
    expect(malformed.statusCode).toBe(400);
    expect(new Set(malformed.json().errors.map((e: { field: string }) => e.field))).toEqual(
      new Set(['answers.postalCode']),
    );
    const attempts = await asOwner(
      async (c) => (await c.query('SELECT attempts FROM identity_challenges WHERE id = $1', [id])).rows[0].attempts,
    );
    expect(attempts).toBe(0);
  });
});
