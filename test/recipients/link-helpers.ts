import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { asOwner } from '../support/identity-fixtures';

/** Valid form data of each built-in type (the NPI 1234567893 has a valid check digit). */
export const VALID_FORMS: Record<string, Record<string, unknown>> = {
  PRESCRIBER: { fullName: 'Dr. Ada Prescriber', npi: '1234567893', signature: 'Dr. Ada Prescriber', consent: true },
  PATIENT: { fullName: 'Pat Patient', dateOfBirth: '1980-04-12', consentAccepted: true },
  PHARMACY: { name: 'Corner Pharmacy', ncpdpId: '1234567' },
  INSURANCE: { payer: 'Acme Health', memberId: 'M-1', decision: 'APPROVED' },
};

export function linkRequests(app: NestFastifyApplication) {
  const headersOf = (grant?: string) => (grant ? { 'x-link-verification': grant } : {});
  return {
    view: (token: string, grant?: string) =>
      app.inject({ method: 'GET', url: `/r/${token}`, headers: headersOf(grant) }),
    draft: (token: string, formData: unknown, grant?: string) =>
      app.inject({
        method: 'PATCH',
        url: `/r/${token}/draft`,
        payload: { formData } as object,
        headers: headersOf(grant),
      }),
    complete: (token: string, formData: unknown, grant?: string) =>
      app.inject({
        method: 'POST',
        url: `/r/${token}/complete`,
        payload: { formData } as object,
        headers: headersOf(grant),
      }),
    decline: (token: string, reason: string, grant?: string) =>
      app.inject({ method: 'POST', url: `/r/${token}/decline`, payload: { reason }, headers: headersOf(grant) }),
  };
}

/** The session's counters next to what its recipient rows say. */
export async function progressOf(sessionId: string) {
  return asOwner(async (c) => {
    const { rows } = await c.query<{
      status: string;
      total_recipients: number;
      completed_recipients: number;
      current_recipient_order: number;
      rows_total: number;
      rows_completed: number;
      rows_current: number;
    }>(
      `SELECT s.status, s.total_recipients, s.completed_recipients, s.current_recipient_order,
              (SELECT count(*)::int FROM recipients r WHERE r.session_id = s.id) AS rows_total,
              (SELECT count(*)::int FROM recipients r WHERE r.session_id = s.id AND r.status = 'COMPLETED') AS rows_completed,
              coalesce((SELECT min(order_index) FROM recipients r WHERE r.session_id = s.id AND r.status <> 'COMPLETED'),
                       (SELECT count(*)::int FROM recipients r WHERE r.session_id = s.id)) AS rows_current
         FROM workflow_sessions s WHERE s.id = $1`,
      [sessionId],
    );
    return rows[0];
  });
}

/** Asserts the counters equal the rows. */
export function expectCountersMatchRows(p: Awaited<ReturnType<typeof progressOf>>): void {
  expect([p.total_recipients, p.completed_recipients, p.current_recipient_order]).toEqual([
    p.rows_total,
    p.rows_completed,
    p.rows_current,
  ]);
}

export async function auditActions(sessionId: string): Promise<
  {
    action: string;
    actor_type: string;
    actor_id: string | null;
    metadata: Record<string, unknown> | null;
    ip: string | null;
    user_agent: string | null;
  }[]
> {
  return asOwner(
    async (c) =>
      (
        await c.query(
          `SELECT action, actor_type, actor_id, metadata, host(ip) AS ip, user_agent FROM audit_log
            WHERE resource_type = 'workflow' AND resource_id = $1 ORDER BY seq`,
          [sessionId],
        )
      ).rows,
  );
}

export async function outboxJobsFor(
  recipientId: string,
): Promise<{ job_name: string; payload: Record<string, unknown> }[]> {
  return asOwner(
    async (c) =>
      (
        await c.query(
          `SELECT job_name, payload FROM outbox_messages WHERE payload->>'recipientId' = $1 ORDER BY created_at`,
          [recipientId],
        )
      ).rows,
  );
}
