import { Injectable } from '@nestjs/common';
import { TENANT_ADMIN_ROLES, type Principal } from '@itinera/platform';
import { PrismaService } from '@itinera/prisma';
import { cannotManageWorkflow, workflowNotFound } from './workflow.errors';

/** What WorkflowAccess hands back about a session the principal may manage. */
export interface SessionSummary {
  id: string;
  tenantId: string;
  status: 'ACTIVE' | 'COMPLETED' | 'CANCELLED' | 'EXPIRED';
  documentUrl: string;
  creatorId: string;
  creatorType: string;
  expiresAt: Date;
  finishedAt: Date | null;
  legalHold: boolean;
  totalRecipients: number;
  completedRecipients: number;
  currentRecipientOrder: number;
}

/** The creator type and id a principal is recorded under when it creates a session. */
export function creatorOf(principal: Principal): { creatorType: 'USER' | 'API_KEY'; creatorId: string } {
  return principal.kind === 'user'
    ? { creatorType: 'USER', creatorId: principal.userId }
    : { creatorType: 'API_KEY', creatorId: principal.apiKeyId };
}

/** Whether `principal` may manage (cancel, resend, reassign, …) a session created by `creator`. */
export function canManage(principal: Principal, creator: { creatorType: string; creatorId: string }): boolean {
  if (principal.kind === 'user' && principal.role && TENANT_ADMIN_ROLES.includes(principal.role)) return true;
  const self = creatorOf(principal);
  return self.creatorType === creator.creatorType && self.creatorId === creator.creatorId;
}

/** Who may manage a session: its creator (user or API key) or an OWNER/ADMIN of the tenant. */
@Injectable()
export class WorkflowAccess {
  constructor(private readonly prisma: PrismaService) {}

  /** The session if `principal` may manage it; 404 when the tenant has no such session, 403 when not allowed. */
  async assertCanManage(principal: Principal, sessionId: string): Promise<SessionSummary> {
    const session = await this.prisma.scoped.workflowSession.findUnique({
      where: { id: sessionId },
      select: {
        id: true,
        tenantId: true,
        status: true,
        documentUrl: true,
        creatorId: true,
        creatorType: true,
        expiresAt: true,
        finishedAt: true,
        legalHold: true,
        totalRecipients: true,
        completedRecipients: true,
        currentRecipientOrder: true,
      },
    });
    if (!session) throw workflowNotFound();
    if (!canManage(principal, session)) throw cannotManageWorkflow();
    return session;
  }
}
