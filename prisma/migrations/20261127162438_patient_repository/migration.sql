-- CreateEnum
CREATE TYPE "PatientRepositoryStatus" AS ENUM ('PENDING_IDENTITY', 'ACTIVE', 'ERASED');

-- CreateEnum
CREATE TYPE "IdentityChallengeStatus" AS ENUM ('OPEN', 'PASSED', 'FAILED', 'EXPIRED');

-- CreateEnum
CREATE TYPE "RecordCategory" AS ENUM ('PERSONAL_INFO', 'DIAGNOSES', 'MEDICATIONS', 'ALLERGIES', 'VITAL_SIGNS', 'PROCEDURES', 'IMMUNIZATIONS', 'FAMILY_HISTORY');

-- CreateEnum
CREATE TYPE "EntryChange" AS ENUM ('CREATED', 'UPDATED', 'DELETED');

-- CreateEnum
CREATE TYPE "ConsentStatus" AS ENUM ('ACTIVE', 'REVOKED', 'EXPIRED');

-- CreateEnum
CREATE TYPE "AccessOutcome" AS ENUM ('ALLOWED', 'DENIED');

-- CreateEnum
CREATE TYPE "AnalysisStatus" AS ENUM ('QUEUED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "AnalysisKind" AS ENUM ('RECORD_SUMMARY', 'VITAL_SIGNS', 'DRUG_ALLERGY', 'DUPLICATE_THERAPY', 'IMMUNIZATIONS', 'MODEL_REVIEW');

-- CreateEnum
CREATE TYPE "FindingSeverity" AS ENUM ('INFO', 'LOW', 'MODERATE', 'HIGH', 'CRITICAL');

-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "TenantRole" ADD VALUE 'PATIENT';
ALTER TYPE "TenantRole" ADD VALUE 'SPECIALIST';

-- CreateTable
CREATE TABLE "patient_repositories" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "patient_user_id" UUID NOT NULL,
    "status" "PatientRepositoryStatus" NOT NULL DEFAULT 'PENDING_IDENTITY',
    "personal_info" TEXT,
    "key_id" VARCHAR(32),
    "identity_hash" BYTEA,
    "registered_by" UUID NOT NULL,
    "verified_at" TIMESTAMPTZ(3),
    "erased_at" TIMESTAMPTZ(3),
    "erased_by" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "patient_repositories_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "identity_challenges" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "repository_id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "questions" TEXT[],
    "status" "IdentityChallengeStatus" NOT NULL DEFAULT 'OPEN',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "max_attempts" INTEGER NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "last_attempt_at" TIMESTAMPTZ(3),
    "passed_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "identity_challenges_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "patient_entries" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "repository_id" UUID NOT NULL,
    "category" "RecordCategory" NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "data" TEXT NOT NULL,
    "key_id" VARCHAR(32) NOT NULL,
    "created_by" UUID NOT NULL,
    "updated_by" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(3),

    CONSTRAINT "patient_entries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "patient_entry_versions" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "entry_id" UUID NOT NULL,
    "version" INTEGER NOT NULL,
    "change" "EntryChange" NOT NULL,
    "data" TEXT NOT NULL,
    "key_id" VARCHAR(32) NOT NULL,
    "changed_by" UUID NOT NULL,
    "changed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "patient_entry_versions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "consent_grants" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "repository_id" UUID NOT NULL,
    "specialist_user_id" UUID NOT NULL,
    "scopes" "RecordCategory"[],
    "purpose" VARCHAR(20) NOT NULL,
    "period_start" TIMESTAMPTZ(3) NOT NULL,
    "period_end" TIMESTAMPTZ(3) NOT NULL,
    "status" "ConsentStatus" NOT NULL DEFAULT 'ACTIVE',
    "revoked_at" TIMESTAMPTZ(3),
    "revoke_reason" VARCHAR(500),
    "expired_at" TIMESTAMPTZ(3),
    "created_by" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "consent_grants_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "phi_access_log" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "repository_id" UUID NOT NULL,
    "actor_type" VARCHAR(20) NOT NULL,
    "actor_id" UUID,
    "actor_role" VARCHAR(20),
    "action" VARCHAR(20) NOT NULL,
    "categories" "RecordCategory"[],
    "resource_id" UUID,
    "grant_id" UUID,
    "purpose" VARCHAR(20),
    "outcome" "AccessOutcome" NOT NULL,
    "reason" VARCHAR(40),
    "ip" INET,
    "user_agent" VARCHAR(500),
    "request_id" VARCHAR(100),
    "occurred_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "phi_access_log_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "patient_analyses" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "repository_id" UUID NOT NULL,
    "kind" "AnalysisKind" NOT NULL,
    "priority" SMALLINT NOT NULL,
    "status" "AnalysisStatus" NOT NULL DEFAULT 'QUEUED',
    "progress" SMALLINT NOT NULL DEFAULT 0,
    "requested_by" UUID NOT NULL,
    "requested_by_type" VARCHAR(20) NOT NULL,
    "grant_id" UUID,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "error_code" VARCHAR(60),
    "error_message" VARCHAR(500),
    "findings_count" INTEGER NOT NULL DEFAULT 0,
    "estimated_cost" DECIMAL(14,6) NOT NULL DEFAULT 0,
    "cost" DECIMAL(14,6) NOT NULL DEFAULT 0,
    "cancel_requested_at" TIMESTAMPTZ(3),
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "patient_analyses_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "analysis_findings" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "analysis_id" UUID NOT NULL,
    "code" VARCHAR(60) NOT NULL,
    "severity" "FindingSeverity" NOT NULL,
    "message" VARCHAR(1000) NOT NULL,
    "evidence" JSONB NOT NULL DEFAULT '[]',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "analysis_findings_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "analysis_runs" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "analysis_id" UUID NOT NULL,
    "kind" "AnalysisKind" NOT NULL,
    "attempt" INTEGER NOT NULL,
    "outcome" VARCHAR(20) NOT NULL,
    "duration_ms" INTEGER NOT NULL,
    "error_code" VARCHAR(60),
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "finished_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "analysis_runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "analysis_costs" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "analysis_id" UUID NOT NULL,
    "kind" "AnalysisKind" NOT NULL,
    "model" VARCHAR(100) NOT NULL,
    "input_tokens" INTEGER NOT NULL,
    "output_tokens" INTEGER NOT NULL,
    "cost" DECIMAL(14,6) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "analysis_costs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "analysis_budgets" (
    "tenant_id" UUID NOT NULL,
    "monthly_limit" DECIMAL(14,2) NOT NULL,
    "updated_by" UUID NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "analysis_budgets_pkey" PRIMARY KEY ("tenant_id")
);

-- CreateIndex
CREATE INDEX "patient_repositories_tenant_id_created_at_id_idx" ON "patient_repositories"("tenant_id", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "identity_challenges_tenant_id_user_id_created_at_idx" ON "identity_challenges"("tenant_id", "user_id", "created_at" DESC);

-- CreateIndex
CREATE INDEX "identity_challenges_repository_id_idx" ON "identity_challenges"("repository_id");

-- CreateIndex
CREATE INDEX "patient_entries_tenant_id_repository_id_category_created_at_idx" ON "patient_entries"("tenant_id", "repository_id", "category", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "patient_entry_versions_tenant_id_idx" ON "patient_entry_versions"("tenant_id");

-- CreateIndex
CREATE UNIQUE INDEX "patient_entry_versions_entry_id_version_key" ON "patient_entry_versions"("entry_id", "version");

-- CreateIndex
CREATE INDEX "consent_grants_tenant_id_specialist_user_id_status_idx" ON "consent_grants"("tenant_id", "specialist_user_id", "status");

-- CreateIndex
CREATE INDEX "consent_grants_tenant_id_repository_id_status_idx" ON "consent_grants"("tenant_id", "repository_id", "status");

-- CreateIndex
CREATE INDEX "phi_access_log_tenant_id_repository_id_occurred_at_id_idx" ON "phi_access_log"("tenant_id", "repository_id", "occurred_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "phi_access_log_tenant_id_actor_id_occurred_at_idx" ON "phi_access_log"("tenant_id", "actor_id", "occurred_at" DESC);

-- CreateIndex
CREATE INDEX "patient_analyses_tenant_id_repository_id_created_at_id_idx" ON "patient_analyses"("tenant_id", "repository_id", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "patient_analyses_tenant_id_status_created_at_idx" ON "patient_analyses"("tenant_id", "status", "created_at");

-- CreateIndex
CREATE INDEX "analysis_findings_analysis_id_idx" ON "analysis_findings"("analysis_id");

-- CreateIndex
CREATE INDEX "analysis_findings_tenant_id_idx" ON "analysis_findings"("tenant_id");

-- CreateIndex
CREATE INDEX "analysis_runs_tenant_id_kind_finished_at_idx" ON "analysis_runs"("tenant_id", "kind", "finished_at");

-- CreateIndex
CREATE INDEX "analysis_costs_tenant_id_created_at_idx" ON "analysis_costs"("tenant_id", "created_at");

-- CreateIndex
CREATE INDEX "analysis_costs_analysis_id_idx" ON "analysis_costs"("analysis_id");

-- AddForeignKey
ALTER TABLE "patient_repositories" ADD CONSTRAINT "patient_repositories_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "identity_challenges" ADD CONSTRAINT "identity_challenges_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "identity_challenges" ADD CONSTRAINT "identity_challenges_repository_id_fkey" FOREIGN KEY ("repository_id") REFERENCES "patient_repositories"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "patient_entries" ADD CONSTRAINT "patient_entries_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "patient_entries" ADD CONSTRAINT "patient_entries_repository_id_fkey" FOREIGN KEY ("repository_id") REFERENCES "patient_repositories"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "patient_entry_versions" ADD CONSTRAINT "patient_entry_versions_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "patient_entry_versions" ADD CONSTRAINT "patient_entry_versions_entry_id_fkey" FOREIGN KEY ("entry_id") REFERENCES "patient_entries"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "consent_grants" ADD CONSTRAINT "consent_grants_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "consent_grants" ADD CONSTRAINT "consent_grants_repository_id_fkey" FOREIGN KEY ("repository_id") REFERENCES "patient_repositories"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "patient_analyses" ADD CONSTRAINT "patient_analyses_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "patient_analyses" ADD CONSTRAINT "patient_analyses_repository_id_fkey" FOREIGN KEY ("repository_id") REFERENCES "patient_repositories"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "analysis_findings" ADD CONSTRAINT "analysis_findings_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "analysis_findings" ADD CONSTRAINT "analysis_findings_analysis_id_fkey" FOREIGN KEY ("analysis_id") REFERENCES "patient_analyses"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "analysis_runs" ADD CONSTRAINT "analysis_runs_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "analysis_costs" ADD CONSTRAINT "analysis_costs_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "analysis_budgets" ADD CONSTRAINT "analysis_budgets_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- ================================================================ hand-written (Prisma cannot express these)

-- ---------------------------------------------------------------- invariants
ALTER TABLE "patient_repositories"
    ADD CONSTRAINT "patient_repository_erasure_ck" CHECK (
        (status = 'ERASED' AND personal_info IS NULL AND identity_hash IS NULL AND key_id IS NULL AND erased_at IS NOT NULL)
        OR (status <> 'ERASED' AND personal_info IS NOT NULL AND identity_hash IS NOT NULL AND key_id IS NOT NULL)),
    ADD CONSTRAINT "patient_repository_verified_ck" CHECK (status <> 'ACTIVE' OR verified_at IS NOT NULL);
-- A duplicate person is refused by the hash alone; an erased repository frees both.
CREATE UNIQUE INDEX "patient_repository_identity_uq" ON "patient_repositories" ("tenant_id", "identity_hash")
    WHERE identity_hash IS NOT NULL;
CREATE UNIQUE INDEX "patient_repository_patient_uq" ON "patient_repositories" ("tenant_id", "patient_user_id")
    WHERE status <> 'ERASED';
-- Re-encryption scans for values under keys other than the newest.
CREATE INDEX "patient_repository_key_idx" ON "patient_repositories" ("key_id") WHERE key_id IS NOT NULL;

ALTER TABLE "identity_challenges"
    ADD CONSTRAINT "identity_challenge_attempts_ck" CHECK (attempts >= 0 AND attempts <= max_attempts AND max_attempts > 0),
    ADD CONSTRAINT "identity_challenge_questions_ck" CHECK (cardinality(questions) > 0);

ALTER TABLE "patient_entries"
    ADD CONSTRAINT "patient_entry_version_ck" CHECK (version >= 1),
    ADD CONSTRAINT "patient_entry_category_ck" CHECK (category <> 'PERSONAL_INFO');
CREATE INDEX "patient_entry_key_idx" ON "patient_entries" ("key_id");
CREATE INDEX "patient_entry_version_key_idx" ON "patient_entry_versions" ("key_id");

ALTER TABLE "consent_grants"
    ADD CONSTRAINT "consent_grant_period_ck" CHECK (period_end > period_start),
    ADD CONSTRAINT "consent_grant_scopes_ck" CHECK (cardinality(scopes) > 0),
    ADD CONSTRAINT "consent_grant_revoked_ck" CHECK ((status = 'REVOKED') = (revoked_at IS NOT NULL));
-- The consent-expiry job: live grants by end of period.
CREATE INDEX "consent_grant_expiry_idx" ON "consent_grants" ("period_end") WHERE status = 'ACTIVE';

ALTER TABLE "phi_access_log"
    ADD CONSTRAINT "phi_access_denied_reason_ck" CHECK (outcome = 'ALLOWED' OR reason IS NOT NULL);

ALTER TABLE "patient_analyses"
    ADD CONSTRAINT "patient_analysis_priority_ck" CHECK (priority BETWEEN 1 AND 10),
    ADD CONSTRAINT "patient_analysis_progress_ck" CHECK (progress BETWEEN 0 AND 100),
    ADD CONSTRAINT "patient_analysis_cost_ck" CHECK (cost >= 0 AND estimated_cost >= 0),
    ADD CONSTRAINT "patient_analysis_finished_ck" CHECK (
        (status IN ('COMPLETED', 'FAILED', 'CANCELLED')) = (finished_at IS NOT NULL));
ALTER TABLE "analysis_costs" ADD CONSTRAINT "analysis_cost_ck" CHECK (cost >= 0 AND input_tokens >= 0 AND output_tokens >= 0);
ALTER TABLE "analysis_budgets" ADD CONSTRAINT "analysis_budget_ck" CHECK (monthly_limit >= 0);

-- ---------------------------------------------------------------- the access log is append-only
CREATE FUNCTION "append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER "phi_access_log_append_only" BEFORE UPDATE OR DELETE ON "phi_access_log"
    FOR EACH ROW EXECUTE FUNCTION "append_only"();
CREATE TRIGGER "phi_access_log_no_truncate" BEFORE TRUNCATE ON "phi_access_log"
    FOR EACH STATEMENT EXECUTE FUNCTION "append_only"();
REVOKE UPDATE, DELETE, TRUNCATE ON "phi_access_log" FROM itinera_app;
-- Costs and runs are the books: the app appends them, never rewrites them.
REVOKE UPDATE, DELETE, TRUNCATE ON "analysis_costs", "analysis_runs" FROM itinera_app;

-- ---------------------------------------------------------------- row-level security
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['patient_repositories', 'identity_challenges', 'patient_entries', 'patient_entry_versions',
                             'consent_grants', 'phi_access_log', 'patient_analyses', 'analysis_findings',
                             'analysis_runs', 'analysis_costs', 'analysis_budgets'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY "tenant_isolation" ON %I USING ("tenant_id" = app_current_tenant()) '
                       'WITH CHECK ("tenant_id" = app_current_tenant())', t);
    END LOOP;
END $$;

-- The repeatable jobs (consent expiry) and the re-encryption command ask which tenants have work
-- before any tenant is set. ('consent-expiry': live grants past period_end; 'reencrypt': values
-- under a key other than p_key.)
CREATE POLICY "definer_lookup" ON "consent_grants" FOR SELECT TO itinera_definer USING (true);
CREATE POLICY "definer_lookup" ON "patient_repositories" FOR SELECT TO itinera_definer USING (true);
CREATE POLICY "definer_lookup" ON "patient_entries" FOR SELECT TO itinera_definer USING (true);
CREATE POLICY "definer_lookup" ON "patient_entry_versions" FOR SELECT TO itinera_definer USING (true);
GRANT SELECT ("tenant_id", "status", "period_end") ON "consent_grants" TO itinera_definer;
GRANT SELECT ("tenant_id", "key_id") ON "patient_repositories", "patient_entries", "patient_entry_versions" TO itinera_definer;

CREATE FUNCTION "patient_tenants_with_due_work"(p_kind text, p_before timestamptz, p_key text DEFAULT NULL)
RETURNS TABLE (tenant_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT DISTINCT g.tenant_id FROM consent_grants g
     WHERE p_kind = 'consent-expiry' AND g.status = 'ACTIVE' AND g.period_end <= p_before
    UNION
    SELECT DISTINCT r.tenant_id FROM patient_repositories r
     WHERE p_kind = 'reencrypt' AND r.key_id IS NOT NULL AND r.key_id <> p_key
    UNION
    SELECT DISTINCT e.tenant_id FROM patient_entries e WHERE p_kind = 'reencrypt' AND e.key_id <> p_key
    UNION
    SELECT DISTINCT v.tenant_id FROM patient_entry_versions v WHERE p_kind = 'reencrypt' AND v.key_id <> p_key
$$;
ALTER FUNCTION "patient_tenants_with_due_work"(text, timestamptz, text) OWNER TO itinera_definer;
REVOKE ALL ON FUNCTION "patient_tenants_with_due_work"(text, timestamptz, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION "patient_tenants_with_due_work"(text, timestamptz, text) TO itinera_app;
