import { Injectable } from '@nestjs/common';
import { isIP } from 'node:net';
import type { RecordCategory } from '@prisma/client';
import { AppError, RequestContext, TENANT_ADMIN_ROLES } from '@itinera/platform';
import { pgTransaction, PrismaService, type PgStatement, type PgTransaction, type Tx } from '@itinera/prisma';
import { AuditService, type AuditEventInput } from '@itinera/audit';
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

interface RepositoryGrantRow extends LiveGrantRow {
  repository_id: string;
  period_end: Date;
}

/** A refused read of `readMany`: its index among the requests and the error `read` would have thrown. */
export interface AccessRefusal {
  index: number;
  error: AppError;
}

type Decision = { allowed: true; access: RecordAccess } | { allowed: false; reason: DenialReason; error: AppError };

/** FOR SHARE: an erasure or a revocation waits for this read to finish, and vice versa. */
const REPOSITORY_FOR_SHARE_SQL =
  'SELECT id, status, patient_user_id FROM patient_repositories WHERE id = $1::uuid FOR SHARE';

/**
 * The specialist's live grant on the record (ACTIVE and inside its period now) covering most of
 * the categories ($3): several grants may coexist, e.g. one per purpose. FOR SHARE, so a
 * revocation waits for the read in flight.
 */
const LIVE_GRANT_SQL = `SELECT id, scopes::text[] AS scopes, purpose FROM consent_grants
   WHERE repository_id = $1::uuid AND specialist_user_id = $2::uuid
     AND status = 'ACTIVE' AND period_start <= now() AND period_end > now()
   ORDER BY cardinality(ARRAY(SELECT unnest(scopes) INTERSECT SELECT unnest($3::"RecordCategory"[]))) DESC,
            period_end DESC, id
   LIMIT 1
   FOR SHARE`;

/** `REPOSITORY_FOR_SHARE_SQL` for several repositories, locked in id order. */
const REPOSITORIES_FOR_SHARE_SQL =
  'SELECT id, status, patient_user_id FROM patient_repositories WHERE id = ANY($1::uuid[]) ORDER BY id FOR SHARE';

/** Every live grant of the specialist ($2) on the repositories ($1), locked in id order; `bestGrant` picks per read. */
const LIVE_GRANTS_SQL = `SELECT id, repository_id, scopes::text[] AS scopes, purpose, period_end FROM consent_grants
   WHERE repository_id = ANY($1::uuid[]) AND specialist_user_id = $2::uuid
     AND status = 'ACTIVE' AND period_start <= now() AND period_end > now()
   ORDER BY id
   FOR SHARE`;

/** Access-log rows of several reads by one actor in one statement, in the reads' order. */
const ACCESS_LOG_MANY_SQL = `INSERT INTO phi_access_log
    (tenant_id, repository_id, actor_type, actor_id, actor_role, action, categories, resource_id,
     grant_id, purpose, outcome, reason, ip, user_agent, request_id)
  SELECT app_current_tenant(), r.repository_id, $2, $3::uuid, $4, r.action, r.categories::"RecordCategory"[],
         r.resource_id, r.grant_id, r.purpose, r.outcome::"AccessOutcome", r.reason, $5::inet, $6, $7
    FROM jsonb_to_recordset($1::jsonb) AS r(n int, repository_id uuid, action text, categories text[],
           resource_id uuid, grant_id uuid, purpose text, outcome text, reason text)
   ORDER BY r.n`;

const ACCESS_LOG_SQL = `INSERT INTO phi_access_log
    (tenant_id, repository_id, actor_type, actor_id, actor_role, action, categories, resource_id,
     grant_id, purpose, outcome, reason, ip, user_agent, request_id)
  VALUES (app_current_tenant(), $1::uuid, $2, $3::uuid, $4, $5, $6::"RecordCategory"[], $7::uuid, $8::uuid,
          $9, $10::"AccessOutcome", $11, $12::inet, $13, $14)`;

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
   * `read` on the hot path (an analysis request, the worker's read of the entries): the same
   * decision, the same access-log row and audit entries, the same commit-then-throw of a refusal,
   * but in a PgTransaction (prepared statements on a pooled connection) instead of Prisma's
   * interactive transaction: BEGIN, the scope, the repository and the specialist's grant (both
   * FOR SHARE) go in one round trip, and the log row goes with the work's first statement.
   */
  async readPg<T>(
    actor: AccessActor,
    request: RecordAccessRequest,
    work: (tx: PgTransaction, access: RecordAccess) => Promise<T>,
  ): Promise<T> {
    let allowed: Decision | undefined;
    let outcome: { denied: AppError } | { value: T };
    try {
      outcome = await pgTransaction(this.prisma, async (tx) => {
        allowed = undefined;
        const decision = await this.decidePg(tx, actor, request);
        await this.logPg(tx, actor, request, decision);
        if (!decision.allowed) return { denied: decision.error };
        allowed = decision;
        return { value: await work(tx, decision.access) };
      });
    } catch (error) {
      // As in `read`: the work's client error rolled the log row back; log the attempt on its own.
      if (allowed && error instanceof AppError && error.status < 500) {
        const decision = allowed;
        await pgTransaction(this.prisma, (tx) => this.logPg(tx, actor, request, decision));
      }
      throw error;
    }
    if ('denied' in outcome) throw outcome.denied;
    return outcome.value;
  }

  /**
   * Several reads by one actor in one PgTransaction (a batch of analysis requests): the
   * repositories locked FOR SHARE in id order, then the actor's live grants on them FOR SHARE (one
   * round trip), each request judged exactly as `read` judges one, and one access-log row per
   * request (one statement). When any request is refused, nothing else happens: every request's
   * row (allowed or denied) and an audit entry per refusal are committed, then `refused(refusals)`
   * is thrown. `work` gets the accesses in the requests' order.
   */
  async readMany<T>(
    actor: AccessActor,
    requests: RecordAccessRequest[],
    work: (tx: PgTransaction, accesses: RecordAccess[]) => Promise<T>,
    refused: (refusals: AccessRefusal[]) => AppError,
  ): Promise<T> {
    let allowed: Decision[] | undefined;
    let outcome: { denied: AppError } | { value: T };
    try {
      outcome = await pgTransaction(this.prisma, async (tx) => {
        allowed = undefined;
        const decisions = await this.decideMany(tx, actor, requests);
        await this.logMany(tx, actor, requests, decisions);
        const refusals = decisions.flatMap((d, index) => (d.allowed ? [] : [{ index, error: d.error }]));
        if (refusals.length > 0) return { denied: refused(refusals) };
        allowed = decisions;
        return {
          value: await work(
            tx,
            decisions.map((d) => (d as Extract<Decision, { allowed: true }>).access),
          ),
        };
      });
    } catch (error) {
      // As in `read`: the work's client error (e.g. the budget) rolled the rows back; log the attempts on their own.
      if (allowed && error instanceof AppError && error.status < 500) {
        const decisions = allowed;
        await pgTransaction(this.prisma, (tx) => this.logMany(tx, actor, requests, decisions));
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
    if (actor.type === 'API_KEY') return judge(actor, request, undefined, undefined);
    const [repository] = await tx.$queryRawUnsafe<RepositoryRow[]>(REPOSITORY_FOR_SHARE_SQL, request.repositoryId);
    const grant = needsGrant(actor, repository)
      ? await this.liveGrantOf(tx, repository!.id, actor.id, request.categories)
      : undefined;
    return judge(actor, request, repository, grant);
  }

  /**
   * `decide` in one round trip: the repository and, for a specialist, the grant (the statements
   * `decide` sends, in the same order, both FOR SHARE), then the same judgement.
   */
  private async decidePg(tx: PgTransaction, actor: AccessActor, request: RecordAccessRequest): Promise<Decision> {
    if (actor.type === 'API_KEY') return judge(actor, request, undefined, undefined);
    const statements: PgStatement[] = [{ text: REPOSITORY_FOR_SHARE_SQL, values: [request.repositoryId] }];
    if (actor.role === 'SPECIALIST') {
      statements.push({ text: LIVE_GRANT_SQL, values: [request.repositoryId, actor.id, request.categories] });
    }
    const [repositories, grants] = await tx.batch(statements);
    const repository = repositories[0] as RepositoryRow | undefined;
    const grant = needsGrant(actor, repository) ? (grants?.[0] as LiveGrantRow | undefined) : undefined;
    return judge(actor, request, repository, grant);
  }

  /** `decidePg` for several requests: one round trip for every repository and grant, then `judge` per request. */
  private async decideMany(
    tx: PgTransaction,
    actor: AccessActor,
    requests: RecordAccessRequest[],
  ): Promise<Decision[]> {
    if (actor.type === 'API_KEY') return requests.map((r) => judge(actor, r, undefined, undefined));
    const ids = [...new Set(requests.map((r) => r.repositoryId))].sort();
    const statements: PgStatement[] = [{ text: REPOSITORIES_FOR_SHARE_SQL, values: [ids] }];
    if (actor.role === 'SPECIALIST') statements.push({ text: LIVE_GRANTS_SQL, values: [ids, actor.id] });
    const [repositoryRows, grantRows = []] = await tx.batch(statements);
    const repositories = new Map((repositoryRows as RepositoryRow[]).map((r) => [r.id, r]));
    const grants = grantRows as RepositoryGrantRow[];
    return requests.map((request) => {
      const repository = repositories.get(request.repositoryId);
      const grant = needsGrant(actor, repository)
        ? bestGrant(
            grants.filter((g) => g.repository_id === request.repositoryId),
            request.categories,
          )
        : undefined;
      return judge(actor, request, repository, grant);
    });
  }

  /** `logPg` for several reads: their rows in one statement (with the next round trip), an audit entry per security-relevant one. */
  private async logMany(
    tx: PgTransaction,
    actor: AccessActor,
    requests: RecordAccessRequest[],
    decisions: Decision[],
  ): Promise<void> {
    const ip = RequestContext.get('ip');
    const rows = requests.map((request, i) => {
      const decision = decisions[i];
      const access = decision.allowed ? decision.access : undefined;
      return {
        n: i,
        repository_id: request.repositoryId,
        action: request.action,
        categories: access?.categories ?? request.categories,
        resource_id: request.resourceId ?? null,
        grant_id: access?.grantId ?? null,
        purpose: access?.purpose ?? null,
        outcome: decision.allowed ? 'ALLOWED' : 'DENIED',
        reason: decision.allowed ? null : decision.reason,
      };
    });
    tx.defer({
      text: ACCESS_LOG_MANY_SQL,
      values: [
        JSON.stringify(rows),
        actor.type,
        actor.type === 'API_KEY' ? null : actor.id,
        actor.role ?? null,
        ip && isIP(ip) ? ip : null,
        RequestContext.get('userAgent')?.slice(0, 500) ?? null,
        RequestContext.get('requestId') ?? null,
      ],
    });
    for (let i = 0; i < requests.length; i++) {
      const event = auditEventOf(requests[i], decisions[i]);
      if (event) await this.audit.record(tx.raw, event);
    }
  }

  private async log(tx: Tx, actor: AccessActor, request: RecordAccessRequest, decision: Decision): Promise<void> {
    const row = accessLogStatement(actor, request, decision);
    await tx.$executeRawUnsafe(row.text, ...(row.values ?? []));
    const event = auditEventOf(request, decision);
    if (event) await this.audit.record(tx, event);
  }

  /** `log` in a PgTransaction: the row goes with the next round trip, the audit entry (a refusal, an export) at once. */
  private async logPg(
    tx: PgTransaction,
    actor: AccessActor,
    request: RecordAccessRequest,
    decision: Decision,
  ): Promise<void> {
    tx.defer(accessLogStatement(actor, request, decision));
    const event = auditEventOf(request, decision);
    if (event) await this.audit.record(tx.raw, event);
  }

  /** The specialist's live grant on the record covering most of `categories` (LIVE_GRANT_SQL). */
  private async liveGrantOf(
    tx: Tx,
    repositoryId: string,
    specialistId: string,
    categories: RecordCategory[] = [],
  ): Promise<LiveGrantRow | undefined> {
    const [grant] = await tx.$queryRawUnsafe<LiveGrantRow[]>(LIVE_GRANT_SQL, repositoryId, specialistId, categories);
    return grant;
  }

  private async lockRepository(tx: Tx, repositoryId: string): Promise<RepositoryRow | undefined> {
    const [row] = await tx.$queryRaw<RepositoryRow[]>`
      SELECT id, status, patient_user_id FROM patient_repositories WHERE id = ${repositoryId}::uuid FOR UPDATE`;
    return row;
  }
}

/** Whether the decision needs the actor's live grant: a specialist reading someone else's existing record. */
function needsGrant(actor: AccessActor, repository: RepositoryRow | undefined): boolean {
  return (
    repository !== undefined &&
    repository.status !== 'ERASED' &&
    repository.patient_user_id !== actor.id &&
    actor.role === 'SPECIALIST'
  );
}

/**
 * The grant LIVE_GRANT_SQL would pick among `grants` (live, of one specialist on one record): the
 * one covering most of `categories`, then the one ending last, then the lowest id.
 */
function bestGrant(grants: RepositoryGrantRow[], categories: RecordCategory[]): LiveGrantRow | undefined {
  const wanted = new Set(categories);
  const covers = (g: RepositoryGrantRow) => new Set(g.scopes.filter((s) => wanted.has(s))).size;
  return [...grants].sort(
    (a, b) =>
      covers(b) - covers(a) ||
      b.period_end.getTime() - a.period_end.getTime() ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  )[0];
}

/**
 * The consent decision, from what the transaction read under its locks: the repository (none: no
 * such record) and, for a specialist, their live grant covering most of the categories.
 */
function judge(
  actor: AccessActor,
  request: RecordAccessRequest,
  repository: RepositoryRow | undefined,
  grant: LiveGrantRow | undefined,
): Decision {
  const deny = (reason: DenialReason, error: AppError): Decision => ({ allowed: false, reason, error });
  if (actor.type === 'API_KEY') return deny('NOT_A_USER', healthDataForbidden());
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

/** The access-log row of one read, allowed or denied (who, what, under which grant, from where). */
function accessLogStatement(actor: AccessActor, request: RecordAccessRequest, decision: Decision): PgStatement {
  const access = decision.allowed ? decision.access : undefined;
  const ip = RequestContext.get('ip');
  return {
    text: ACCESS_LOG_SQL,
    values: [
      request.repositoryId,
      actor.type,
      actor.type === 'API_KEY' ? null : actor.id,
      actor.role ?? null,
      request.action,
      access?.categories ?? request.categories,
      request.resourceId ?? null,
      access?.grantId ?? null,
      access?.purpose ?? null,
      decision.allowed ? 'ALLOWED' : 'DENIED',
      decision.allowed ? null : decision.reason,
      ip && isIP(ip) ? ip : null,
      RequestContext.get('userAgent')?.slice(0, 500) ?? null,
      RequestContext.get('requestId') ?? null,
    ],
  };
}

/** The platform audit entry of a security-relevant read: a refusal, an export, personal information read under consent. */
function auditEventOf(request: RecordAccessRequest, decision: Decision): AuditEventInput | undefined {
  const access = decision.allowed ? decision.access : undefined;
  const categories = access?.categories ?? request.categories;
  const securityRelevant =
    !decision.allowed ||
    request.action === 'EXPORT' ||
    (access?.via === 'CONSENT' && categories.includes('PERSONAL_INFO'));
  if (!securityRelevant) return undefined;
  return {
    action: decision.allowed ? `patient-record.${request.action.toLowerCase()}` : 'patient-record.access-denied',
    resourceType: 'patient-repository',
    resourceId: request.repositoryId,
    metadata: {
      categories,
      ...(request.resourceId ? { resourceId: request.resourceId } : {}),
      ...(access?.grantId ? { grantId: access.grantId } : {}),
      ...(decision.allowed ? {} : { reason: decision.reason, action: request.action }),
    },
  };
}
