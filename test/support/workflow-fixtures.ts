import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { asOwner, bearer } from './identity-fixtures';

/**
 * Workflows for e2e tests, made through POST /workflows. `auth` is a signed-in user (anything with
 * an `accessToken`), an API key (`{ key }`) or ready-made headers.
 */

export type WorkflowAuth = { accessToken: string } | { key: string } | Record<string, string>;

export interface CreatedRecipient {
  id: string;
  orderIndex: number;
  type: string;
  status: string;
  name: string | null;
  email: string | null;
  phone: string | null;
  requiresVerification: boolean;
  /** `${PUBLIC_BASE_URL}/r/<token>`: only in the create response. */
  link: string;
  [field: string]: unknown;
}

export interface CreatedWorkflow {
  id: string;
  status: string;
  documentUrl: string;
  creatorId: string;
  creatorType: string;
  metadata: Record<string, unknown>;
  progress: { total: number; completed: number; currentRecipientOrder: number; percent: number };
  expiresAt: string;
  recipients: CreatedRecipient[];
  [field: string]: unknown;
}

export interface RecipientInput {
  type: 'PRESCRIBER' | 'PATIENT' | 'PHARMACY' | 'INSURANCE' | 'CUSTOM';
  name: string;
  email?: string;
  phone?: string;
  requiresVerification?: boolean;
  formSchema?: Record<string, unknown>;
}

const unique = () => randomBytes(5).toString('hex');

export function authHeaders(auth: WorkflowAuth): Record<string, string> {
  if ('accessToken' in auth && typeof auth.accessToken === 'string') return bearer(auth.accessToken);
  if ('key' in auth && typeof auth.key === 'string') return bearer(auth.key);
  return auth as Record<string, string>;
}

/** The four-step route of the issue: PRESCRIBER, PATIENT (verification off, to keep tests short), PHARMACY, INSURANCE. */
export function defaultRecipients(): RecipientInput[] {
  const u = unique();
  return [
    { type: 'PRESCRIBER', name: 'Dr. Ada Prescriber', email: `prescriber-${u}@example.test` },
    { type: 'PATIENT', name: 'Pat Patient', email: `patient-${u}@example.test`, requiresVerification: false },
    { type: 'PHARMACY', name: 'Corner Pharmacy', phone: '+15555550123' },
    { type: 'INSURANCE', name: 'Acme Health', email: `payer-${u}@example.test` },
  ];
}

/** A valid create body; `overrides` replace top-level fields (e.g. `{ recipients: [...] }`). */
export function workflowBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    documentUrl: `https://docs.example.test/${unique()}.pdf`,
    recipients: defaultRecipients(),
    metadata: { ref: unique() },
    ...overrides,
  };
}

/** POST /workflows with `workflowBody(overrides)`; throws unless 201. */
export async function createWorkflow(
  app: NestFastifyApplication,
  auth: WorkflowAuth,
  overrides: Record<string, unknown> = {},
): Promise<CreatedWorkflow> {
  const response = await app.inject({
    method: 'POST',
    url: '/workflows',
    payload: workflowBody(overrides),
    headers: authHeaders(auth),
  });
  if (response.statusCode !== 201) {
    throw new Error(`POST /workflows answered ${response.statusCode}: ${response.body}`);
  }
  return response.json<CreatedWorkflow>();
}

/** The token of a recipient link (`…/r/<token>`). */
export function tokenOf(link: string): string {
  const match = /\/r\/([^/?#]+)$/.exec(link);
  if (!match) throw new Error(`not a recipient link: ${link}`);
  return match[1];
}

/**
 * Sessions whose progress counters differ from their recipient rows (total, completed, and whose
 * turn it is: the lowest order_index not COMPLETED, or total): the trigger's invariant. Empty when
 * every counter equals the rows.
 */
export async function counterMismatches(): Promise<{ id: string }[]> {
  return asOwner(async (c) => {
    const { rows } = await c.query<{ id: string }>(
      `SELECT s.id FROM workflow_sessions s
         LEFT JOIN LATERAL (
           SELECT count(*)::int AS total,
                  (count(*) FILTER (WHERE r.status = 'COMPLETED'))::int AS completed,
                  coalesce(min(r.order_index) FILTER (WHERE r.status <> 'COMPLETED'), count(*))::int AS current_order
             FROM recipients r WHERE r.session_id = s.id) p ON true
        WHERE (s.total_recipients, s.completed_recipients, s.current_recipient_order)
              IS DISTINCT FROM (p.total, p.completed, p.current_order)`,
    );
    return rows;
  });
}
