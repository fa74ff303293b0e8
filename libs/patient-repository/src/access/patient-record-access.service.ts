import { Injectable } from '@nestjs/common';
import { isIP } from 'node:net';
import type { RecordCategory } from '@prisma/client';
import { AppError, RequestContext } from '@itinera/platform';
import {
  pgTransaction,
  PrismaService,
  type DatabaseScope,
  type PgStatement,
  type PgTransaction,
  type Tx,
} from '@itinera/prisma';
import { AuditService, type AuditEventInput } from '@itinera/audit';
import { healthDataForbidden, identityNotVerified, recordNotFound } from '../patient-repository.errors';
import {
  bestGrant,
  judge,
  needsGrant,
  STAFF_ROLES,
  type AllowedDecision,
  type Decision,
  type LiveGrantRow,
  type RepositoryGrantRow,
  type RepositoryRow,
} from './consent-decision';
import {
  currentAccessContext,
  type AccessActor,
  type AccessContext,
  type AccessRead,
  type RecordAccess,
  type RecordAccessRequest,
} from './record-access.types';

/** A refused read of `readMany`: its index among the requests and the error `read` would have thrown. */
export interface AccessRefusal {
  index: number;
  error: AppError;
}

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

/** Every live grant of the specialists ($2) on the repositories ($1), locked in id order; `bestGrant` picks per read. */
const LIVE_GRANTS_SQL = `SELECT id, repository_id, specialist_user_id, scopes::text[] AS scopes, purpose, period_end
    FROM consent_grants
   WHERE repository_id = ANY($1::uuid[]) AND specialist_user_id = ANY($2::uuid[])
     AND status = 'ACTIVE' AND period_start <= now() AND period_end > now()
   ORDER BY id
   FOR SHARE`;

/** Access-log rows of several reads (each with its own actor and request) in one statement, in the reads' order. */
const ACCESS_LOG_MANY_SQL = `INSERT INTO phi_access_log
    (tenant_id, repository_id, actor_type, actor_id, actor_role, action, categories, resource_id,
     grant_id, purpose, outcome, reason, ip, user_agent, request_id)
  SELECT app_current_tenant(), r.repository_id, r.actor_type, r.actor_id, r.actor_role, r.action,
         r.categories::"RecordCategory"[], r.resource_id, r.grant_id, r.purpose, r.outcome::"AccessOutcome", r.reason,
         r.ip::inet, r.user_agent, r.request_id
    FROM jsonb_to_recordset($1::jsonb) AS r(n int, repository_id uuid, actor_type text, actor_id uuid, actor_role text,
           action text, categories text[], resource_id uuid, grant_id uuid, purpose text, outcome text, reason text,
           ip text, user_agent text, request_id text)
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
    return this.guarded<Tx, AllowedDecision, T>(
      (unit) => this.prisma.tenantTransaction(unit),
      async (tx) => {
        const decision = await this.decide(tx, actor, request);
        await this.log(tx, actor, request, decision);
        return decision.allowed ? { allowed: decision } : { denied: decision.error };
      },
      (tx, decision) => work(tx, decision.access),
      (tx, decision) => this.log(tx, actor, request, decision),
    );
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
    return this.guarded<PgTransaction, AllowedDecision, T>(
      (unit) => pgTransaction(this.prisma, unit),
      async (tx) => {
        const decision = await this.decidePg(tx, actor, request);
        await this.logPg(tx, actor, request, decision);
        return decision.allowed ? { allowed: decision } : { denied: decision.error };
      },
      (tx, decision) => work(tx, decision.access),
      (tx, decision) => this.logPg(tx, actor, request, decision),
    );
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
    const reads = requests.map((request) => ({ actor, request }));
    return this.guarded<PgTransaction, AllowedDecision[], T>(
      (unit) => pgTransaction(this.prisma, unit),
      async (tx) => {
        const decisions = await this.decideMany(tx, reads);
        await this.logMany(tx, reads, decisions);
        const refusals = decisions.flatMap((d, index) => (d.allowed ? [] : [{ index, error: d.error }]));
        return refusals.length > 0 ? { denied: refused(refusals) } : { allowed: decisions as AllowedDecision[] };
      },
      (tx, decisions) =>
        work(
          tx,
          decisions.map((d) => d.access),
        ),
      (tx, decisions) => this.logMany(tx, reads, decisions),
    );
  }

  /**
   * Several reads judged and answered each on its own, in one PgTransaction of `scope`'s tenant
   * (the worker's analyses of one tenant, each for its own requester and job): the same decision as
   * `read` per read (`decideMany`: the repositories FOR SHARE in id order, then every reading
   * specialist's live grants on them FOR SHARE, one round trip), one access-log row per read naming
   * its own actor and request (one statement), an audit entry per security-relevant read in its own
   * context. A refused read does not stop the others: `work` gets the accesses in the reads' order,
   * `undefined` for a refused one, and everything commits together; the answer gives each refused
   * read's error (what `read` would have thrown) at its index.
   */
  async readEach<T>(
    reads: AccessRead[],
    work: (tx: PgTransaction, accesses: (RecordAccess | undefined)[]) => Promise<T>,
    scope?: DatabaseScope,
  ): Promise<{ value: T; refusals: (AppError | undefined)[] }> {
    return this.guarded<PgTransaction, Decision[], { value: T; refusals: (AppError | undefined)[] }>(
      (unit) => pgTransaction(this.prisma, unit, scope),
      async (tx) => {
        const decisions = await this.decideMany(tx, reads);
        await this.logMany(tx, reads, decisions);
        return { allowed: decisions };
      },
      async (tx, decisions) => ({
        value: await work(
          tx,
          decisions.map((d) => (d.allowed ? d.access : undefined)),
        ),
        refusals: decisions.map((d) => (d.allowed ? undefined : d.error)),
      }),
      (tx, decisions) => this.logMany(tx, reads, decisions),
    );
  }

  /**
   * What every read shares. In one transaction: `decideAndLog` (the decision and its access-log
   * rows), then `work` if allowed. A refusal's transaction commits (its log rows and audit entries
   * stay) before its error is thrown. An allowed read whose work answered a client error (an entry
   * or analysis id that does not exist, a finished analysis, the budget) rolled back, its log rows
   * with it: the attempt is logged again on its own (`logAgain`), so that probing ids under a live
   * grant leaves its trace too.
   */
  private async guarded<Txn, Allowed, T>(
    transaction: <R>(unit: (tx: Txn) => Promise<R>) => Promise<R>,
    decideAndLog: (tx: Txn) => Promise<{ allowed: Allowed } | { denied: AppError }>,
    work: (tx: Txn, allowed: Allowed) => Promise<T>,
    logAgain: (tx: Txn, allowed: Allowed) => Promise<void>,
  ): Promise<T> {
    let allowed: { value: Allowed } | undefined;
    let outcome: { denied: AppError } | { value: T };
    try {
      outcome = await transaction(async (tx) => {
        allowed = undefined;
        const decided = await decideAndLog(tx);
        if ('denied' in decided) return { denied: decided.denied };
        allowed = { value: decided.allowed };
        return { value: await work(tx, decided.allowed) };
      });
    } catch (error) {
      if (allowed && error instanceof AppError && error.status < 500) {
        const decided = allowed.value;
        await transaction((tx) => logAgain(tx, decided));
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

  /**
   * `decidePg` for several reads (by one actor or several): one round trip for every repository and
   * every reading specialist's live grants, then `judge` per read with the grant LIVE_GRANT_SQL would
   * have picked for it (`bestGrant`).
   */
  private async decideMany(tx: PgTransaction, reads: AccessRead[]): Promise<Decision[]> {
    const readers = reads.filter((r) => r.actor.type !== 'API_KEY');
    const ids = [...new Set(readers.map((r) => r.request.repositoryId))].sort();
    const specialists = [
      ...new Set(readers.filter((r) => r.actor.role === 'SPECIALIST').map((r) => r.actor.id)),
    ].sort();
    const statements: PgStatement[] = [];
    if (ids.length > 0) statements.push({ text: REPOSITORIES_FOR_SHARE_SQL, values: [ids] });
    if (ids.length > 0 && specialists.length > 0) {
      statements.push({ text: LIVE_GRANTS_SQL, values: [ids, specialists] });
    }
    const [repositoryRows = [], grantRows = []] = statements.length > 0 ? await tx.batch(statements) : [];
    const repositories = new Map((repositoryRows as RepositoryRow[]).map((r) => [r.id, r]));
    const grants = grantRows as RepositoryGrantRow[];
    return reads.map(({ actor, request }) => {
      if (actor.type === 'API_KEY') return judge(actor, request, undefined, undefined);
      const repository = repositories.get(request.repositoryId);
      const grant = needsGrant(actor, repository)
        ? bestGrant(
            grants.filter((g) => g.repository_id === request.repositoryId && g.specialist_user_id === actor.id),
            request.categories,
          )
        : undefined;
      return judge(actor, request, repository, grant);
    });
  }

  /**
   * `logPg` for several reads: their rows in one statement (with the next round trip), each naming
   * its own actor and request; an audit entry per security-relevant one, written in its read's context.
   */
  private async logMany(tx: PgTransaction, reads: AccessRead[], decisions: Decision[]): Promise<void> {
    const current = reads.some((r) => !r.context) ? currentAccessContext() : undefined;
    const rows = reads.map(({ actor, request, context = current }, i) => {
      const decision = decisions[i];
      const access = decision.allowed ? decision.access : undefined;
      const ip = context?.ip;
      return {
        n: i,
        repository_id: request.repositoryId,
        actor_type: actor.type,
        actor_id: actor.type === 'API_KEY' ? null : actor.id,
        actor_role: actor.role ?? null,
        action: request.action,
        categories: access?.categories ?? request.categories,
        resource_id: request.resourceId ?? null,
        grant_id: access?.grantId ?? null,
        purpose: access?.purpose ?? null,
        outcome: decision.allowed ? 'ALLOWED' : 'DENIED',
        reason: decision.allowed ? null : decision.reason,
        ip: ip && isIP(ip) ? ip : null,
        user_agent: context?.userAgent?.slice(0, 500) ?? null,
        request_id: context?.requestId ?? null,
      };
    });
    tx.defer({ text: ACCESS_LOG_MANY_SQL, values: [JSON.stringify(rows)] });
    for (let i = 0; i < reads.length; i++) {
      const event = auditEventOf(reads[i].request, decisions[i]);
      if (event) await inContext(reads[i].context, () => this.audit.record(tx.raw, event));
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

/** Runs `work` in the context a read belongs to (its request or job), for the audit entries it writes. */
function inContext<T>(context: AccessContext | undefined, work: () => Promise<T>): Promise<T> {
  return context ? RequestContext.run(context, work) : work();
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
