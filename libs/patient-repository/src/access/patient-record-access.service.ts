import { Injectable } from '@nestjs/common';
import { isIP } from 'node:net';
import type { RecordCategory } from '@prisma/client';
import { AppError, RequestContext, TENANT_ADMIN_ROLES } from '@itinera/platform';
import { PrismaService, type Tx } from '@itinera/prisma';
import { AuditService } from '@itinera/audit';
import {
  healthDataForbidden,
  identityNotVerified,
  recordNotFound,
  scopeNotGranted,
} from '../patient-repository.errors';
import type { AccessActor, DenialReason, RecordAccess, RecordAccessRequest } from './record-access.types';

/** Staff who administer patients (register, erase) and so may know a repository exists. */
const STAFF_ROLES = [...TENANT_ADMIN_ROLES, 'MANAGER'];

interface RepositoryRow {
  id: string;
  status: 'PENDING_IDENTITY' | 'ACTIVE' | 'ERASED';
  patient_user_id: string;
}

interface LiveGrantRow {
  id: string;
  scopes: RecordCategory[];
  purpose: string;
}

type Decision = { allowed: true; access: RecordAccess } | { allowed: false; reason: DenialReason; error: AppError };

/**
 * The one place every read of health data goes through. In one transaction it decides whether
 * `actor` may read `categories` of the repository now (the patient, or a specialist under a live
 * grant: ACTIVE and inside its period, checked here rather than trusted to the expiry job), writes
 * the access-log entry, and runs the read. A refusal is logged and committed, then thrown: 404 when
 * the actor may not know the record exists, 403 when they may (a grant that misses the category,
 * staff, an unverified patient). Refusals, exports and personal-information reads by others also go
 * to the platform audit log.
 */
@Injectable()
export class PatientRecordAccess {
  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditService,
  ) {}

  async read<T>(
    actor: AccessActor,
    request: RecordAccessRequest,
    work: (tx: Tx, access: RecordAccess) => Promise<T>,
  ): Promise<T> {
    let allowed: Decision | undefined;
    let outcome: { denied: AppError } | { value: T };
    try {
      outcome = await this.prisma.tenantTransaction(async (tx) => {
        allowed = undefined;
        const decision = await this.decide(tx, actor, request);
        await this.log(tx, actor, request, decision);
        if (!decision.allowed) return { denied: decision.error };
        allowed = decision;
        return { value: await work(tx, decision.access) };
      });
    } catch (error) {
      // An allowed read whose work answered a client error (an entry or analysis id that does not
      // exist, a finished analysis): its transaction rolled back, any change of the work and the
      // log row with it. The attempt is logged again on its own, so that probing ids under a live
      // grant leaves its trace too.
      if (allowed && error instanceof AppError && error.status < 500) {
        const decision = allowed;
        await this.prisma.tenantTransaction((tx) => this.log(tx, actor, request, decision));
      }
      throw error;
    }
    if ('denied' in outcome) throw outcome.denied;
    return outcome.value;
  }

  /**
   * For changes to the record (entries, personal information): only its patient, once verified.
   * Not an access-log entry (a write is not a read); the caller audits the change in `tx`.
   */
  async write<T>(
    actor: AccessActor,
    repositoryId: string,
    work: (tx: Tx, access: RecordAccess) => Promise<T>,
  ): Promise<T> {
    return this.prisma.tenantTransaction(async (tx) => {
      const repository = await this.lockRepository(tx, repositoryId);
      if (!repository || repository.status === 'ERASED') throw recordNotFound();
      if (actor.type !== 'USER' || repository.patient_user_id !== actor.id) {
        // Only those who may know the record exists learn that it is not theirs to change: staff,
        // and a specialist with a live grant on it. Anyone else gets the unknown id's 404.
        const knowsRecord =
          STAFF_ROLES.includes(actor.role ?? '') ||
          (actor.role === 'SPECIALIST' && (await this.liveGrantOf(tx, repositoryId, actor.id)) !== undefined);
        throw knowsRecord ? healthDataForbidden() : recordNotFound();
      }
      if (repository.status !== 'ACTIVE') throw identityNotVerified();
      return work(tx, {
        repositoryId,
        patientUserId: repository.patient_user_id,
        via: 'PATIENT',
        categories: [],
      });
    });
  }

  private async decide(tx: Tx, actor: AccessActor, request: RecordAccessRequest): Promise<Decision> {
    const deny = (reason: DenialReason, error: AppError): Decision => ({ allowed: false, reason, error });
    if (actor.type === 'API_KEY') return deny('NOT_A_USER', healthDataForbidden());
    // FOR SHARE: an erasure or a revocation waits for this read to finish, and vice versa.
    const [repository] = await tx.$queryRaw<RepositoryRow[]>`
      SELECT id, status, patient_user_id FROM patient_repositories WHERE id = ${request.repositoryId}::uuid FOR SHARE`;
    if (!repository || repository.status === 'ERASED') return deny('NO_SUCH_RECORD', recordNotFound());
    const base = { repositoryId: repository.id, patientUserId: repository.patient_user_id };

    if (repository.patient_user_id === actor.id) {
      if (repository.status !== 'ACTIVE') return deny('IDENTITY_NOT_VERIFIED', identityNotVerified());
      return { allowed: true, access: { ...base, via: 'PATIENT', categories: request.categories } };
    }
    if (actor.role !== 'SPECIALIST') {
      return STAFF_ROLES.includes(actor.role ?? '')
        ? deny('STAFF_NO_PHI_ACCESS', healthDataForbidden())
        : deny('NOT_THE_PATIENT', recordNotFound());
    }
    const grant = await this.liveGrantOf(tx, repository.id, actor.id, request.categories);
    if (!grant) return deny('NO_LIVE_GRANT', recordNotFound());
    const covered = request.categories.filter((c) => grant.scopes.includes(c));
    const missing = request.categories.filter((c) => !grant.scopes.includes(c));
    if (missing.length > 0 && (!request.partial || covered.length === 0)) {
      return deny('SCOPE_NOT_GRANTED', scopeNotGranted(missing));
    }
    return {
      allowed: true,
      access: { ...base, via: 'CONSENT', grantId: grant.id, purpose: grant.purpose, categories: covered },
    };
  }

  private async log(tx: Tx, actor: AccessActor, request: RecordAccessRequest, decision: Decision): Promise<void> {
    const access = decision.allowed ? decision.access : undefined;
    const categories = access?.categories ?? request.categories;
    const ip = RequestContext.get('ip');
    const validIp = ip && isIP(ip) ? ip : null;
    const userAgent = RequestContext.get('userAgent')?.slice(0, 500) ?? null;
    await tx.$executeRaw`
      INSERT INTO phi_access_log
        (tenant_id, repository_id, actor_type, actor_id, actor_role, action, categories, resource_id,
         grant_id, purpose, outcome, reason, ip, user_agent, request_id)
      VALUES (app_current_tenant(), ${request.repositoryId}::uuid, ${actor.type},
              ${actor.type === 'API_KEY' ? null : actor.id}::uuid, ${actor.role ?? null}, ${request.action},
              ${categories}::"RecordCategory"[], ${request.resourceId ?? null}::uuid, ${access?.grantId ?? null}::uuid,
              ${access?.purpose ?? null}, ${decision.allowed ? 'ALLOWED' : 'DENIED'}::"AccessOutcome",
              ${decision.allowed ? null : decision.reason}, ${validIp}::inet, ${userAgent},
              ${RequestContext.get('requestId') ?? null})`;

    const securityRelevant =
      !decision.allowed ||
      request.action === 'EXPORT' ||
      (access?.via === 'CONSENT' && categories.includes('PERSONAL_INFO'));
    if (securityRelevant) {
      await this.audit.record(tx, {
        action: decision.allowed ? `patient-record.${request.action.toLowerCase()}` : 'patient-record.access-denied',
        resourceType: 'patient-repository',
        resourceId: request.repositoryId,
        metadata: {
          categories,
          ...(request.resourceId ? { resourceId: request.resourceId } : {}),
          ...(access?.grantId ? { grantId: access.grantId } : {}),
          ...(decision.allowed ? {} : { reason: decision.reason, action: request.action }),
        },
      });
    }
  }

  /**
   * The specialist's live grant on the record (ACTIVE and inside its period now) covering most of
   * `categories`: several grants may coexist, e.g. one per purpose. FOR SHARE, so a revocation
   * waits for the read in flight.
   */
  private async liveGrantOf(
    tx: Tx,
    repositoryId: string,
    specialistId: string,
    categories: RecordCategory[] = [],
  ): Promise<LiveGrantRow | undefined> {
    const [grant] = await tx.$queryRaw<LiveGrantRow[]>`
      SELECT id, scopes, purpose FROM consent_grants
       WHERE repository_id = ${repositoryId}::uuid AND specialist_user_id = ${specialistId}::uuid
         AND status = 'ACTIVE' AND period_start <= now() AND period_end > now()
       ORDER BY cardinality(ARRAY(SELECT unnest(scopes) INTERSECT SELECT unnest(${categories}::"RecordCategory"[]))) DESC,
                period_end DESC, id
       LIMIT 1
       FOR SHARE`;
    return grant;
  }

  private async lockRepository(tx: Tx, repositoryId: string): Promise<RepositoryRow | undefined> {
    const [row] = await tx.$queryRaw<RepositoryRow[]>`
      SELECT id, status, patient_user_id FROM patient_repositories WHERE id = ${repositoryId}::uuid FOR UPDATE`;
    return row;
  }
}
