-- CreateEnum
CREATE TYPE "TenantPlan" AS ENUM ('BASIC', 'PRO', 'ENTERPRISE');

-- CreateEnum
CREATE TYPE "TenantRole" AS ENUM ('OWNER', 'ADMIN', 'MANAGER', 'MEMBER', 'VIEWER');

-- CreateEnum
CREATE TYPE "UserStatus" AS ENUM ('ACTIVE', 'DISABLED');

-- CreateEnum
CREATE TYPE "AuditActorType" AS ENUM ('USER', 'API_KEY', 'RECIPIENT_LINK', 'SYSTEM', 'ANONYMOUS');

-- CreateTable
CREATE TABLE "tenants" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "name" VARCHAR(200) NOT NULL,
    "domain" VARCHAR(100) NOT NULL,
    "plan" "TenantPlan" NOT NULL DEFAULT 'BASIC',
    "active" BOOLEAN NOT NULL DEFAULT true,
    "metadata" JSONB NOT NULL DEFAULT '{}',
    "deactivated_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "tenants_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "users" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "email" VARCHAR(320) NOT NULL,
    "display_name" VARCHAR(200) NOT NULL,
    "password_hash" TEXT,
    "status" "UserStatus" NOT NULL DEFAULT 'ACTIVE',
    "is_platform_admin" BOOLEAN NOT NULL DEFAULT false,
    "mfa_secret" TEXT,
    "mfa_enabled_at" TIMESTAMPTZ(3),
    "mfa_last_step" BIGINT,
    "external_subject" VARCHAR(500),
    "default_tenant_id" UUID,
    "last_login_at" TIMESTAMPTZ(3),
    "password_changed_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "memberships" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "role" "TenantRole" NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "memberships_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "auth_sessions" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "user_id" UUID NOT NULL,
    "tenant_id" UUID,
    "method" VARCHAR(30) NOT NULL,
    "ip" INET,
    "user_agent" VARCHAR(500),
    "last_used_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "revoked_at" TIMESTAMPTZ(3),
    "revoked_reason" VARCHAR(50),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "auth_sessions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "refresh_tokens" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "session_id" UUID NOT NULL,
    "token_hash" BYTEA NOT NULL,
    "used_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "refresh_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_keys" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "name" VARCHAR(100) NOT NULL,
    "prefix" VARCHAR(16) NOT NULL,
    "key_hash" BYTEA NOT NULL,
    "scopes" TEXT[],
    "created_by" UUID,
    "expires_at" TIMESTAMPTZ(3),
    "last_used_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_log" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID,
    "seq" BIGINT NOT NULL DEFAULT 0,
    "actor_type" "AuditActorType" NOT NULL,
    "actor_id" VARCHAR(100),
    "action" VARCHAR(100) NOT NULL,
    "resource_type" VARCHAR(100),
    "resource_id" VARCHAR(100),
    "before" JSONB,
    "after" JSONB,
    "metadata" JSONB,
    "ip" INET,
    "user_agent" VARCHAR(500),
    "request_id" VARCHAR(100),
    "occurred_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "hash" BYTEA NOT NULL DEFAULT '\x',

    CONSTRAINT "audit_log_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "tenants_domain_key" ON "tenants"("domain");

-- CreateIndex
CREATE UNIQUE INDEX "users_email_key" ON "users"("email");

-- CreateIndex
CREATE UNIQUE INDEX "users_external_subject_key" ON "users"("external_subject");

-- CreateIndex
CREATE INDEX "memberships_user_id_idx" ON "memberships"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "memberships_tenant_id_user_id_key" ON "memberships"("tenant_id", "user_id");

-- CreateIndex
CREATE INDEX "auth_sessions_user_id_created_at_idx" ON "auth_sessions"("user_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "refresh_tokens_token_hash_key" ON "refresh_tokens"("token_hash");

-- CreateIndex
CREATE INDEX "refresh_tokens_session_id_idx" ON "refresh_tokens"("session_id");

-- CreateIndex
CREATE UNIQUE INDEX "api_keys_prefix_key" ON "api_keys"("prefix");

-- CreateIndex
CREATE INDEX "api_keys_tenant_id_created_at_idx" ON "api_keys"("tenant_id", "created_at");

-- CreateIndex
CREATE INDEX "audit_log_tenant_id_occurred_at_id_idx" ON "audit_log"("tenant_id", "occurred_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "audit_log_tenant_id_actor_id_idx" ON "audit_log"("tenant_id", "actor_id");

-- CreateIndex
CREATE INDEX "audit_log_tenant_id_resource_type_resource_id_idx" ON "audit_log"("tenant_id", "resource_type", "resource_id");

-- AddForeignKey
ALTER TABLE "memberships" ADD CONSTRAINT "memberships_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "memberships" ADD CONSTRAINT "memberships_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "auth_sessions" ADD CONSTRAINT "auth_sessions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "refresh_tokens" ADD CONSTRAINT "refresh_tokens_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "auth_sessions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- ============================================================================================
-- Everything below is hand-written: roles, invariants, row-level security, the audit log's
-- append-only rule and hash chain. Prisma's schema cannot express these.
-- ============================================================================================

-- Roles (cluster-wide, so created only when missing).
--   itinera_app      what the API and the worker connect as (DATABASE_URL): read and write rows,
--                    own nothing, no BYPASSRLS. Created NOLOGIN; `npm run db:deploy` (and the
--                    local tooling) give it LOGIN and the password of DATABASE_URL.
--   itinera_definer  owns the few SECURITY DEFINER functions that must look across tenants
--                    (credential lookup before a tenant is known, audit verification); policies
--                    let it SELECT, nothing else, and nobody can log in as it.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'itinera_app') THEN
        CREATE ROLE itinera_app NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'itinera_definer') THEN
        CREATE ROLE itinera_definer NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
    END IF;
END
$$;

-- The migrating role must be able to hand functions over to itinera_definer.
DO $$
BEGIN
    IF NOT pg_has_role(current_user, 'itinera_definer', 'MEMBER') THEN
        EXECUTE format('GRANT itinera_definer TO %I', current_user);
    END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO itinera_app, itinera_definer;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO itinera_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO itinera_app;
-- Tables later migrations create (as this same owner) are the app's to use too.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO itinera_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO itinera_app;
-- Prisma's own bookkeeping is not the app's (absent in the shadow database migrate dev builds).
DO $$
BEGIN
    IF to_regclass('public._prisma_migrations') IS NOT NULL THEN
        REVOKE ALL ON "_prisma_migrations" FROM itinera_app;
    END IF;
END
$$;

-- The tenant (and user) of the current transaction, set by the app with set_config(..., true).
-- Unset or empty means none: tenant-owned tables then show and accept nothing.
CREATE FUNCTION app_current_tenant() RETURNS uuid LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid
$$;

-- 'platform' in the transactions of platform operators' routes and jobs (the platform audit chain).
CREATE FUNCTION app_current_scope() RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT NULLIF(current_setting('app.scope', true), '')
$$;

-- ---------------------------------------------------------------- invariants
ALTER TABLE "tenants" ADD CONSTRAINT "tenants_domain_check" CHECK ("domain" ~ '^[a-z0-9]([a-z0-9-]{0,98}[a-z0-9])?$');
ALTER TABLE "tenants" ADD CONSTRAINT "tenants_metadata_check" CHECK (jsonb_typeof("metadata") = 'object');
ALTER TABLE "tenants" ADD CONSTRAINT "tenants_deactivated_check" CHECK ("active" OR "deactivated_at" IS NOT NULL);
ALTER TABLE "users" ADD CONSTRAINT "users_email_lower_check" CHECK ("email" = lower("email"));
ALTER TABLE "users" ADD CONSTRAINT "users_default_tenant_id_fkey"
    FOREIGN KEY ("default_tenant_id") REFERENCES "tenants"("id") ON DELETE SET NULL ON UPDATE CASCADE;
CREATE INDEX "users_default_tenant_id_idx" ON "users"("default_tenant_id") WHERE "default_tenant_id" IS NOT NULL;
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_scopes_check" CHECK (cardinality("scopes") > 0);
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_prefix_check" CHECK ("prefix" ~ '^[a-z2-7]{12}$');
ALTER TABLE "auth_sessions" ADD CONSTRAINT "auth_sessions_expiry_check" CHECK ("expires_at" > "created_at");
ALTER TABLE "auth_sessions" ADD CONSTRAINT "auth_sessions_tenant_id_fkey"
    FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE SET NULL ON UPDATE CASCADE;
CREATE INDEX "auth_sessions_tenant_id_idx" ON "auth_sessions"("tenant_id") WHERE "tenant_id" IS NOT NULL;

CREATE TRIGGER "tenants_updated_at" BEFORE UPDATE ON "tenants" FOR EACH ROW EXECUTE FUNCTION "set_updated_at"();
CREATE TRIGGER "users_updated_at" BEFORE UPDATE ON "users" FOR EACH ROW EXECUTE FUNCTION "set_updated_at"();
CREATE TRIGGER "memberships_updated_at" BEFORE UPDATE ON "memberships" FOR EACH ROW EXECUTE FUNCTION "set_updated_at"();

-- ---------------------------------------------------------------- row-level security
-- Tenant-owned tables: rows of the transaction's tenant only, for reading and for writing.
ALTER TABLE "memberships" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "memberships" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "memberships"
    USING ("tenant_id" = app_current_tenant()) WITH CHECK ("tenant_id" = app_current_tenant());
CREATE POLICY "definer_lookup" ON "memberships" FOR SELECT TO itinera_definer USING (true);

ALTER TABLE "api_keys" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "api_keys" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "api_keys"
    USING ("tenant_id" = app_current_tenant()) WITH CHECK ("tenant_id" = app_current_tenant());
CREATE POLICY "definer_lookup" ON "api_keys" FOR SELECT TO itinera_definer USING (true);

GRANT SELECT ON "tenants", "users", "memberships", "api_keys", "auth_sessions" TO itinera_definer;

-- ---------------------------------------------------------------- credential lookups
-- Who a request is, before any tenant is set: one call per (cached) credential.

-- An API key by its visible prefix, with its tenant's state.
CREATE FUNCTION auth_api_key(key_prefix text)
RETURNS TABLE (id uuid, tenant_id uuid, key_hash bytea, scopes text[], expires_at timestamptz,
               revoked_at timestamptz, tenant_active boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT k.id, k.tenant_id, k.key_hash, k.scopes, k.expires_at, k.revoked_at, t.active
    FROM api_keys k JOIN tenants t ON t.id = k.tenant_id
    WHERE k.prefix = key_prefix
$$;

-- A signed-in user's session, with their role in the session's tenant (null when they have none).
CREATE FUNCTION auth_session_principal(p_session_id uuid, p_tenant_id uuid)
RETURNS TABLE (user_id uuid, session_active boolean, user_active boolean, is_platform_admin boolean,
               role "TenantRole", tenant_active boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT s.user_id,
           s.revoked_at IS NULL AND s.expires_at > now(),
           u.status = 'ACTIVE',
           u.is_platform_admin,
           m.role,
           t.active
    FROM auth_sessions s
    JOIN users u ON u.id = s.user_id
    LEFT JOIN memberships m ON m.user_id = s.user_id AND m.tenant_id = p_tenant_id
    LEFT JOIN tenants t ON t.id = p_tenant_id
    WHERE s.id = p_session_id
$$;

-- Every tenant a user belongs to (sign-in, tenant switch, /auth/me), across tenants.
CREATE FUNCTION auth_user_memberships(p_user_id uuid)
RETURNS TABLE (tenant_id uuid, tenant_name text, tenant_domain text, tenant_active boolean, role "TenantRole")
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT t.id, t.name::text, t.domain::text, t.active, m.role
    FROM memberships m JOIN tenants t ON t.id = m.tenant_id
    WHERE m.user_id = p_user_id
    ORDER BY m.created_at, t.id
$$;

ALTER FUNCTION auth_api_key(text) OWNER TO itinera_definer;
ALTER FUNCTION auth_session_principal(uuid, uuid) OWNER TO itinera_definer;
ALTER FUNCTION auth_user_memberships(uuid) OWNER TO itinera_definer;
REVOKE ALL ON FUNCTION auth_api_key(text), auth_session_principal(uuid, uuid), auth_user_memberships(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_api_key(text), auth_session_principal(uuid, uuid), auth_user_memberships(uuid) TO itinera_app;

-- ---------------------------------------------------------------- audit log
-- Unique position in each chain: per tenant, and the platform chain (tenant_id null).
CREATE UNIQUE INDEX "audit_log_tenant_seq_key" ON "audit_log"("tenant_id", "seq") WHERE "tenant_id" IS NOT NULL;
CREATE UNIQUE INDEX "audit_log_platform_seq_key" ON "audit_log"("seq") WHERE "tenant_id" IS NULL;

-- Readable (and writable) by the entry's tenant; platform entries only in platform scope. A
-- sign-in that has no tenant yet writes a platform entry.
ALTER TABLE "audit_log" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "audit_log" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "audit_log" FOR SELECT
    USING ("tenant_id" = app_current_tenant() OR ("tenant_id" IS NULL AND app_current_scope() = 'platform'));
CREATE POLICY "tenant_append" ON "audit_log" FOR INSERT
    WITH CHECK ("tenant_id" = app_current_tenant() OR "tenant_id" IS NULL);
CREATE POLICY "definer_verify" ON "audit_log" FOR SELECT TO itinera_definer USING (true);
GRANT SELECT ON "audit_log" TO itinera_definer;

-- Append-only, for the app's role by privilege and for everyone (the owner included) by trigger.
REVOKE UPDATE, DELETE, TRUNCATE ON "audit_log" FROM itinera_app;

CREATE FUNCTION "audit_log_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER "audit_log_no_update_or_delete" BEFORE UPDATE OR DELETE ON "audit_log"
    FOR EACH ROW EXECUTE FUNCTION "audit_log_append_only"();
CREATE TRIGGER "audit_log_no_truncate" BEFORE TRUNCATE ON "audit_log"
    FOR EACH STATEMENT EXECUTE FUNCTION "audit_log_append_only"();

-- The hash chain. Each chain's head (last seq and hash) is one row here, locked by the inserting
-- transaction until it commits, which is what orders a tenant's entries; the app cannot touch it.
CREATE TABLE "audit_chain_heads" (
    "chain_key" UUID NOT NULL,
    "last_seq" BIGINT NOT NULL,
    "last_hash" BYTEA NOT NULL,
    CONSTRAINT "audit_chain_heads_pkey" PRIMARY KEY ("chain_key")
);
REVOKE ALL ON "audit_chain_heads" FROM itinera_app;
GRANT SELECT ON "audit_chain_heads" TO itinera_definer;

-- The bytes an entry's hash covers: every column but the hash, each quoted (NULL as NULL), so no
-- two different rows share a text. jsonb's text form is canonical (keys sorted, no whitespace
-- choices); the time goes in as epoch microseconds, independent of DateStyle and TimeZone.
CREATE FUNCTION "audit_log_canonical"(
    id uuid, tenant_id uuid, seq bigint, actor_type "AuditActorType", actor_id text, action text,
    resource_type text, resource_id text, before jsonb, after jsonb, metadata jsonb, ip inet,
    user_agent text, request_id text, occurred_at timestamptz
) RETURNS bytea LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT convert_to(concat_ws(',',
        quote_nullable(id::text), quote_nullable(tenant_id::text), quote_nullable(seq::text),
        quote_nullable(actor_type::text), quote_nullable(actor_id), quote_nullable(action),
        quote_nullable(resource_type), quote_nullable(resource_id), quote_nullable(before::text),
        quote_nullable(after::text), quote_nullable(metadata::text), quote_nullable(ip::text),
        quote_nullable(user_agent), quote_nullable(request_id),
        quote_nullable((extract(epoch FROM occurred_at) * 1000000)::bigint::text)
    ), 'UTF8')
$$;

CREATE FUNCTION "audit_log_chain"() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp AS $$
DECLARE
    chain uuid := COALESCE(NEW.tenant_id, '00000000-0000-0000-0000-000000000000');
    next_seq bigint;
    next_hash bytea;
BEGIN
    INSERT INTO audit_chain_heads (chain_key, last_seq, last_hash) VALUES (chain, 0, '\x')
        ON CONFLICT (chain_key) DO NOTHING;
    UPDATE audit_chain_heads h
       SET last_seq = h.last_seq + 1,
           last_hash = sha256(h.last_hash || audit_log_canonical(NEW.id, NEW.tenant_id, h.last_seq + 1,
               NEW.actor_type, NEW.actor_id, NEW.action, NEW.resource_type, NEW.resource_id, NEW.before,
               NEW.after, NEW.metadata, NEW.ip, NEW.user_agent, NEW.request_id, NEW.occurred_at))
     WHERE h.chain_key = chain
    RETURNING h.last_seq, h.last_hash INTO next_seq, next_hash;
    NEW.seq := next_seq;
    NEW.hash := next_hash;
    RETURN NEW;
END;
$$;
CREATE TRIGGER "audit_log_chain" BEFORE INSERT ON "audit_log" FOR EACH ROW EXECUTE FUNCTION "audit_log_chain"();

-- The first entry of a chain (tenant id, or null for the platform chain) that does not match:
-- its hash is not SHA-256(previous entry's hash || its own content), or entries are missing
-- before it, or the chain's head does not match its last entry. No row means the chain is intact.
CREATE FUNCTION "audit_log_verify"(p_tenant_id uuid)
RETURNS TABLE (id uuid, seq bigint, problem text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    WITH entries AS (
        SELECT e.*, lag(e.seq) OVER w AS prev_seq, lag(e.hash) OVER w AS prev_hash
        FROM audit_log e
        WHERE e.tenant_id IS NOT DISTINCT FROM p_tenant_id
        WINDOW w AS (ORDER BY e.seq)
    ), problems AS (
        SELECT x.id, x.seq,
               CASE
                   WHEN x.seq <> COALESCE(x.prev_seq, 0) + 1 THEN 'entries missing before this one'
                   WHEN x.hash <> sha256(COALESCE(x.prev_hash, '\x'::bytea) || audit_log_canonical(x.id, x.tenant_id,
                       x.seq, x.actor_type, x.actor_id, x.action, x.resource_type, x.resource_id, x.before, x.after,
                       x.metadata, x.ip, x.user_agent, x.request_id, x.occurred_at))
                       THEN 'content does not match its hash'
               END AS problem
        FROM entries x
        UNION ALL
        SELECT NULL::uuid, h.last_seq, 'the chain head does not match the last entry'
        FROM audit_chain_heads h
        WHERE h.chain_key = COALESCE(p_tenant_id, '00000000-0000-0000-0000-000000000000')
          AND h.last_seq > 0
          AND NOT EXISTS (
              SELECT 1 FROM audit_log e
              WHERE e.tenant_id IS NOT DISTINCT FROM p_tenant_id AND e.seq = h.last_seq AND e.hash = h.last_hash)
    )
    SELECT p.id, p.seq, p.problem FROM problems p WHERE p.problem IS NOT NULL ORDER BY p.seq LIMIT 1
$$;
ALTER FUNCTION "audit_log_verify"(uuid) OWNER TO itinera_definer;
REVOKE ALL ON FUNCTION "audit_log_verify"(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION "audit_log_verify"(uuid) TO itinera_app;
