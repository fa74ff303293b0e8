import type { Prisma, PrismaClient, RecipientStatus, RecipientType, WorkflowStatus } from '@prisma/client';
import { createHash } from 'node:crypto';
import { DEMO_DOMAINS, demoUuid, digest } from './demo-ids';
import type { Seed } from './index';

/**
 * Demonstration workflows for each demo tenant of the identity seed, one in every state, each a
 * four-recipient route PRESCRIBER → PATIENT → PHARMACY → INSURANCE created by the tenant's member:
 *   - active-new:      ACTIVE, nobody has acted yet (the prescriber's turn)
 *   - active-midway:   ACTIVE, 2 of 4 completed (the pharmacy has opened its link)
 *   - completed:       COMPLETED, every form filled in
 *   - cancelled:       CANCELLED by its creator
 *   - declined:        CANCELLED because the patient DECLINED
 *   - expired:         EXPIRED, the unfinished recipients EXPIRED with it
 * Everything is derived from the tenant's domain and the workflow's key (ids, link tokens, times
 * relative to the first seeding), so seeding twice changes nothing: a workflow that exists is left
 * as it is. The rows go in as a workflow's life would write them: the session ACTIVE, its
 * recipients (the database's progress trigger counts them), then its final state. Only SHA-256 of
 * each link token is stored (no ciphertext: the seed has no key ring, so reminders cannot rebuild
 * these links); the tokens of the ACTIVE workflows are printed, like the demo API keys.
 */

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
const ROUTE: RecipientType[] = ['PRESCRIBER', 'PATIENT', 'PHARMACY', 'INSURANCE'];
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

type Key = 'active-new' | 'active-midway' | 'completed' | 'cancelled' | 'declined' | 'expired';

interface DemoWorkflow {
  key: Key;
  /** Final session status. */
  status: WorkflowStatus;
  /** Recipient statuses by order index. */
  recipients: RecipientStatus[];
  /** Created this long before the seed's reference time. */
  ageMs: number;
  cancelReason?: string;
  /** The title shown in metadata. */
  title: string;
}

const WORKFLOWS: DemoWorkflow[] = [
  {
    key: 'active-new',
    status: 'ACTIVE',
    recipients: ['PENDING', 'PENDING', 'PENDING', 'PENDING'],
    ageMs: 2 * HOUR,
    title: 'Prior authorization: new request',
  },
  {
    key: 'active-midway',
    status: 'ACTIVE',
    recipients: ['COMPLETED', 'COMPLETED', 'ACCESSED', 'PENDING'],
    ageMs: 1 * DAY,
    title: 'Prior authorization: at the pharmacy',
  },
  {
    key: 'completed',
    status: 'COMPLETED',
    recipients: ['COMPLETED', 'COMPLETED', 'COMPLETED', 'COMPLETED'],
    ageMs: 6 * DAY,
    title: 'Prior authorization: approved',
  },
  {
    key: 'cancelled',
    status: 'CANCELLED',
    recipients: ['COMPLETED', 'ACCESSED', 'PENDING', 'PENDING'],
    ageMs: 4 * DAY,
    cancelReason: 'Sent to the wrong patient',
    title: 'Prior authorization: withdrawn',
  },
  {
    key: 'declined',
    status: 'CANCELLED',
    recipients: ['COMPLETED', 'DECLINED', 'PENDING', 'PENDING'],
    ageMs: 3 * DAY,
    cancelReason: 'declined by recipient 1: I am no longer taking this medication',
    title: 'Prior authorization: declined by the patient',
  },
  {
    key: 'expired',
    status: 'EXPIRED',
    recipients: ['COMPLETED', 'EXPIRED', 'EXPIRED', 'EXPIRED'],
    ageMs: 9 * DAY,
    title: 'Prior authorization: never finished',
  },
];

/** A stable UUID (v4 layout) from a name. */

/** The link token of one demo recipient: 32 lower-case Base32 characters (LINK_TOKEN_PATTERN). */
export function demoLinkToken(domain: string, key: string, orderIndex: number): string {
  const bytes = digest(`link:${domain}:${key}:${orderIndex}`);
  return Array.from(bytes.subarray(0, 32), (b) => BASE32[b & 31]).join('');
}

const sha256 = (text: string) => new Uint8Array(createHash('sha256').update(text).digest());

/** Who each step is, per tenant. */
function people(domain: string, key: string): { name: string; email: string; phone?: string }[] {
  const tag = `${domain}-${key}`;
  return [
    { name: 'Dr. Ada Quinn', email: `prescriber+${tag}@example.com` },
    { name: 'Sam Rivera', email: `patient+${tag}@example.com`, phone: '+15555550123' },
    { name: 'Main Street Pharmacy', email: `pharmacy+${tag}@example.com` },
    { name: 'Northwind Health Plan', email: `insurance+${tag}@example.com` },
  ];
}

/** Form data that passes each type's validation in full. */
function completedForm(type: RecipientType, name: string): Prisma.InputJsonObject {
  switch (type) {
    case 'PRESCRIBER':
      return { fullName: name, npi: '1234567893', signature: name, consent: true };
    case 'PATIENT':
      return { fullName: name, dateOfBirth: '1984-03-14', consentAccepted: true };
    case 'PHARMACY':
      return { name, ncpdpId: '1234567' };
    case 'INSURANCE':
      return { payer: name, memberId: 'NW-0042-7781', groupNumber: 'G-1200', decision: 'APPROVED' };
    default:
      return {};
  }
}

const AUDIT_ACTION: Record<WorkflowStatus, string | null> = {
  ACTIVE: null,
  COMPLETED: 'workflow.completed',
  CANCELLED: 'workflow.cancelled',
  EXPIRED: 'workflow.expired',
};

/** Creates one demo workflow unless it exists; returns whether it was created. */
async function createWorkflow(
  tx: Prisma.TransactionClient,
  tenantId: string,
  domain: string,
  creatorId: string,
  spec: DemoWorkflow,
  reference: number,
): Promise<boolean> {
  const id = demoUuid(`session:${domain}:${spec.key}`);
  if (await tx.workflowSession.findUnique({ where: { id }, select: { id: true } })) return false;
  const createdAt = new Date(reference - spec.ageMs);
  const finished = spec.status !== 'ACTIVE';
  const expiresAt =
    spec.status === 'EXPIRED' ? new Date(createdAt.getTime() + 2 * DAY) : new Date(reference + 30 * DAY);
  const finishedAt = finished
    ? spec.status === 'EXPIRED'
      ? expiresAt
      : new Date(createdAt.getTime() + 3 * HOUR + ROUTE.length * HOUR)
    : null;
  const who = people(domain, spec.key);
  // The first recipient not COMPLETED is the last one notified (-1: all completed, all notified).
  const reached = spec.recipients.findIndex((s) => s !== 'COMPLETED');
  await tx.workflowSession.create({
    data: {
      id,
      tenantId,
      documentUrl: `https://docs.example.com/demo/${domain}/${spec.key}.pdf`,
      status: 'ACTIVE',
      creatorId,
      creatorType: 'USER',
      metadata: { demo: true, key: spec.key, title: spec.title },
      totalRecipients: ROUTE.length,
      expiresAt: spec.status === 'EXPIRED' ? new Date(reference + DAY) : expiresAt,
      createdAt,
      updatedAt: createdAt,
    },
  });
  await tx.recipient.createMany({
    data: ROUTE.map((type, orderIndex) => {
      const status = spec.recipients[orderIndex];
      const at = (hours: number) => new Date(createdAt.getTime() + (orderIndex + hours) * HOUR);
      const acted = status !== 'PENDING' && status !== 'EXPIRED';
      return {
        id: demoUuid(`recipient:${domain}:${spec.key}:${orderIndex}`),
        tenantId,
        sessionId: id,
        orderIndex,
        tokenHash: sha256(demoLinkToken(domain, spec.key, orderIndex)),
        status,
        recipientType: type,
        name: who[orderIndex].name,
        email: who[orderIndex].email,
        phone: who[orderIndex].phone ?? null,
        requiresVerification: type === 'PATIENT',
        formData: status === 'COMPLETED' ? completedForm(type, who[orderIndex].name) : {},
        accessedAt: acted ? at(1) : null,
        completedAt: status === 'COMPLETED' ? at(2) : null,
        declinedAt: status === 'DECLINED' ? at(2) : null,
        declineReason: status === 'DECLINED' ? 'I am no longer taking this medication' : null,
        emailSentAt: reached === -1 || orderIndex <= reached ? at(0) : null,
        createdAt,
        updatedAt: createdAt,
      };
    }),
  });
  // The final state, as the transition would write it (the trigger has counted the recipients).
  if (finished) {
    await tx.workflowSession.update({
      where: { id },
      data: {
        status: spec.status,
        finishedAt,
        cancelReason: spec.cancelReason ?? null,
        expiresAt,
        updatedAt: finishedAt ?? createdAt,
      },
    });
  }
  const audit = (action: string, after: Prisma.InputJsonObject, metadata?: Prisma.InputJsonObject) =>
    tx.$executeRaw`
      INSERT INTO audit_log (tenant_id, actor_type, actor_id, action, resource_type, resource_id, after, metadata)
      VALUES (${tenantId}::uuid, 'SYSTEM', 'db:seed', ${action}, 'workflow', ${id},
              ${JSON.stringify(after)}::jsonb, ${JSON.stringify({ demo: true, ...metadata })}::jsonb)`;
  await audit('workflow.created', { status: 'ACTIVE', totalRecipients: ROUTE.length });
  const terminal = AUDIT_ACTION[spec.status];
  if (terminal) {
    await audit(
      terminal,
      { status: spec.status },
      spec.key === 'declined' ? { cause: 'declined', recipientId: demoUuid(`recipient:${domain}:${spec.key}:1`) } : {},
    );
  }
  return true;
}

export const workflowsSeed: Seed = {
  name: 'workflows',
  async run(prisma: PrismaClient) {
    const baseUrl = (process.env.PUBLIC_BASE_URL || 'http://127.0.0.1:3000').replace(/\/+$/, '');
    const lines: string[] = [];
    let created = 0;
    for (const domain of DEMO_DOMAINS) {
      const tenant = await prisma.tenant.findUnique({ where: { domain } });
      if (!tenant) throw new Error(`tenant ${domain} is missing: the identity seed runs first`);
      const creator = await prisma.user.findUnique({ where: { email: `member@${domain}.local` } });
      if (!creator) throw new Error(`user member@${domain}.local is missing: the identity seed runs first`);
      created += await prisma.$transaction(async (tx) => {
        await tx.$queryRaw`SELECT set_config('app.tenant_id', ${tenant.id}, true)`;
        // Times relative to the first seeding of this tenant's workflows, so a rerun writes the same rows.
        const first = await tx.workflowSession.findFirst({
          where: { tenantId: tenant.id, metadata: { path: ['demo'], equals: true } },
          orderBy: { createdAt: 'desc' },
          select: { createdAt: true, metadata: true },
        });
        const reference = first ? first.createdAt.getTime() + 2 * HOUR : Date.now();
        let n = 0;
        for (const spec of WORKFLOWS) {
          if (await createWorkflow(tx, tenant.id, domain, creator.id, spec, reference)) n++;
        }
        return n;
      });
      const links = WORKFLOWS.filter((w) => w.status === 'ACTIVE').map((w) => {
        const current = w.recipients.findIndex((s) => s !== 'COMPLETED');
        return `${w.key} (${ROUTE[current].toLowerCase()}'s turn) ${baseUrl}/r/${demoLinkToken(domain, w.key, current)}`;
      });
      lines.push(`tenant ${domain}: workflows ${WORKFLOWS.map((w) => w.key).join(', ')}; links ${links.join(', ')}`);
    }
    return `${created} created\n  ${lines.join('\n  ')}`;
  },
};
