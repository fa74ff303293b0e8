-- CreateEnum
CREATE TYPE "WorkflowStatus" AS ENUM ('ACTIVE', 'COMPLETED', 'CANCELLED', 'EXPIRED');

-- CreateEnum
CREATE TYPE "RecipientStatus" AS ENUM ('PENDING', 'ACCESSED', 'IN_PROGRESS', 'COMPLETED', 'DECLINED', 'FAILED', 'EXPIRED');

-- CreateEnum
CREATE TYPE "RecipientType" AS ENUM ('PRESCRIBER', 'PATIENT', 'PHARMACY', 'INSURANCE', 'CUSTOM');

-- CreateEnum
CREATE TYPE "ScanStatus" AS ENUM ('PENDING', 'CLEAN', 'INFECTED', 'FAILED');

-- CreateEnum
CREATE TYPE "NotificationChannel" AS ENUM ('EMAIL', 'SMS');

-- CreateEnum
CREATE TYPE "NotificationStatus" AS ENUM ('QUEUED', 'SENT', 'FAILED');

-- CreateEnum
CREATE TYPE "WebhookDeliveryStatus" AS ENUM ('PENDING', 'SUCCEEDED', 'DEAD');

-- CreateTable
CREATE TABLE "workflow_sessions" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "document_url" VARCHAR(500) NOT NULL,
    "status" "WorkflowStatus" NOT NULL DEFAULT 'ACTIVE',
    "creator_id" UUID NOT NULL,
    "creator_type" VARCHAR(20) NOT NULL,
    "metadata" JSONB NOT NULL DEFAULT '{}',
    "current_recipient_order" INTEGER NOT NULL DEFAULT 0,
    "total_recipients" INTEGER NOT NULL,
    "completed_recipients" INTEGER NOT NULL DEFAULT 0,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "finished_at" TIMESTAMPTZ(3),
    "cancel_reason" VARCHAR(500),
    "legal_hold" BOOLEAN NOT NULL DEFAULT false,
    "purged_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "workflow_sessions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "recipients" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "session_id" UUID NOT NULL,
    "order_index" INTEGER NOT NULL,
    "token_hash" BYTEA NOT NULL,
    "token_ciphertext" TEXT,
    "token_issued_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "status" "RecipientStatus" NOT NULL DEFAULT 'PENDING',
    "recipient_type" "RecipientType" NOT NULL,
    "name" VARCHAR(200),
    "email" VARCHAR(320),
    "phone" VARCHAR(20),
    "form_schema" JSONB,
    "form_data" JSONB NOT NULL DEFAULT '{}',
    "requires_verification" BOOLEAN NOT NULL DEFAULT false,
    "decline_reason" VARCHAR(1000),
    "accessed_at" TIMESTAMPTZ(3),
    "completed_at" TIMESTAMPTZ(3),
    "declined_at" TIMESTAMPTZ(3),
    "email_sent_at" TIMESTAMPTZ(3),
    "sms_sent_at" TIMESTAMPTZ(3),
    "reminder_count" INTEGER NOT NULL DEFAULT 0,
    "last_reminded_at" TIMESTAMPTZ(3),
    "retry_count" INTEGER NOT NULL DEFAULT 0,
    "error_message" VARCHAR(1000),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "recipients_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "recipient_assignments" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "recipient_id" UUID NOT NULL,
    "name" VARCHAR(200),
    "email" VARCHAR(320),
    "phone" VARCHAR(20),
    "reason" VARCHAR(500),
    "replaced_by" UUID,
    "replaced_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "recipient_assignments_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "recipient_verifications" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "recipient_id" UUID NOT NULL,
    "channel" "NotificationChannel" NOT NULL,
    "code_hash" BYTEA NOT NULL,
    "code_ciphertext" TEXT,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "verified_at" TIMESTAMPTZ(3),
    "grant_hash" BYTEA,
    "grant_expires_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "recipient_verifications_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "notification_messages" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "session_id" UUID NOT NULL,
    "recipient_id" UUID,
    "kind" VARCHAR(40) NOT NULL,
    "channel" "NotificationChannel" NOT NULL,
    "to_address" VARCHAR(320) NOT NULL,
    "status" "NotificationStatus" NOT NULL DEFAULT 'QUEUED',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" VARCHAR(1000),
    "provider_message_id" VARCHAR(200),
    "sent_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "notification_messages_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "attachments" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "session_id" UUID NOT NULL,
    "recipient_id" UUID,
    "uploaded_by_id" UUID,
    "file_name" VARCHAR(255) NOT NULL,
    "file_type" VARCHAR(100) NOT NULL,
    "file_size" BIGINT NOT NULL,
    "s3_key" VARCHAR(500) NOT NULL,
    "s3_bucket" VARCHAR(100) NOT NULL,
    "checksum" BYTEA NOT NULL,
    "scan_status" "ScanStatus" NOT NULL DEFAULT 'PENDING',
    "scan_detail" VARCHAR(500),
    "scanned_at" TIMESTAMPTZ(3),
    "download_count" INTEGER NOT NULL DEFAULT 0,
    "last_download" TIMESTAMPTZ(3),
    "purged_at" TIMESTAMPTZ(3),
    "uploaded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "attachments_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_subscriptions" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "url" VARCHAR(2000) NOT NULL,
    "description" VARCHAR(500),
    "event_types" TEXT[],
    "active" BOOLEAN NOT NULL DEFAULT true,
    "consecutive_failures" INTEGER NOT NULL DEFAULT 0,
    "disabled_at" TIMESTAMPTZ(3),
    "disabled_reason" VARCHAR(500),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_subscriptions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_secrets" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "subscription_id" UUID NOT NULL,
    "secret_encrypted" TEXT NOT NULL,
    "prefix" VARCHAR(16) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "webhook_secrets_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_deliveries" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "subscription_id" UUID NOT NULL,
    "event_id" UUID NOT NULL,
    "event_type" VARCHAR(100) NOT NULL,
    "payload" JSONB NOT NULL,
    "status" "WebhookDeliveryStatus" NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_status_code" INTEGER,
    "last_error" VARCHAR(1000),
    "delivered_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_delivery_attempts" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "delivery_id" UUID NOT NULL,
    "attempt" INTEGER NOT NULL,
    "status_code" INTEGER,
    "error" VARCHAR(1000),
    "duration_ms" INTEGER NOT NULL,
    "attempted_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_delivery_attempts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "idempotency_keys" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "owner_id" UUID NOT NULL,
    "operation" VARCHAR(200) NOT NULL,
    "key" VARCHAR(255) NOT NULL,
    "request_hash" BYTEA NOT NULL,
    "response_status" INTEGER,
    "response_body" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "idempotency_keys_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "workflow_sessions_tenant_id_created_at_id_idx" ON "workflow_sessions"("tenant_id", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "idx_workflow_status_created" ON "workflow_sessions"("tenant_id", "status", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "workflow_sessions_tenant_id_creator_id_created_at_id_idx" ON "workflow_sessions"("tenant_id", "creator_id", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "idx_workflow_metadata" ON "workflow_sessions" USING GIN ("metadata" jsonb_path_ops);

-- CreateIndex
CREATE UNIQUE INDEX "idx_recipient_unique_url" ON "recipients"("token_hash");

-- CreateIndex
CREATE INDEX "idx_recipient_status_session" ON "recipients"("session_id", "status");

-- CreateIndex
CREATE INDEX "idx_recipient_form_data" ON "recipients" USING GIN ("form_data" jsonb_path_ops);

-- CreateIndex
CREATE UNIQUE INDEX "recipients_session_id_order_index_key" ON "recipients"("session_id", "order_index");

-- CreateIndex
CREATE INDEX "recipient_assignments_recipient_id_replaced_at_idx" ON "recipient_assignments"("recipient_id", "replaced_at");

-- CreateIndex
CREATE UNIQUE INDEX "recipient_verifications_grant_hash_key" ON "recipient_verifications"("grant_hash");

-- CreateIndex
CREATE INDEX "recipient_verifications_recipient_id_created_at_idx" ON "recipient_verifications"("recipient_id", "created_at");

-- CreateIndex
CREATE INDEX "notification_messages_recipient_id_created_at_idx" ON "notification_messages"("recipient_id", "created_at");

-- CreateIndex
CREATE INDEX "notification_messages_session_id_created_at_idx" ON "notification_messages"("session_id", "created_at");

-- CreateIndex
CREATE INDEX "idx_attachment_session_uploaded" ON "attachments"("session_id", "uploaded_at" DESC);

-- CreateIndex
CREATE INDEX "attachments_recipient_id_idx" ON "attachments"("recipient_id");

-- CreateIndex
CREATE INDEX "webhook_subscriptions_tenant_id_created_at_idx" ON "webhook_subscriptions"("tenant_id", "created_at");

-- CreateIndex
CREATE INDEX "webhook_secrets_subscription_id_idx" ON "webhook_secrets"("subscription_id");

-- CreateIndex
CREATE INDEX "webhook_deliveries_tenant_id_created_at_id_idx" ON "webhook_deliveries"("tenant_id", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "webhook_deliveries_subscription_id_event_id_key" ON "webhook_deliveries"("subscription_id", "event_id");

-- CreateIndex
CREATE INDEX "webhook_deliveries_subscription_id_created_at_id_idx" ON "webhook_deliveries"("subscription_id", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "webhook_delivery_attempts_delivery_id_attempt_idx" ON "webhook_delivery_attempts"("delivery_id", "attempt");

-- CreateIndex
CREATE INDEX "idempotency_keys_expires_at_idx" ON "idempotency_keys"("expires_at");

-- CreateIndex
CREATE UNIQUE INDEX "idempotency_keys_tenant_id_owner_id_operation_key_key" ON "idempotency_keys"("tenant_id", "owner_id", "operation", "key");

-- AddForeignKey
ALTER TABLE "workflow_sessions" ADD CONSTRAINT "workflow_sessions_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "recipients" ADD CONSTRAINT "recipients_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "workflow_sessions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "recipient_assignments" ADD CONSTRAINT "recipient_assignments_recipient_id_fkey" FOREIGN KEY ("recipient_id") REFERENCES "recipients"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "recipient_verifications" ADD CONSTRAINT "recipient_verifications_recipient_id_fkey" FOREIGN KEY ("recipient_id") REFERENCES "recipients"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "notification_messages" ADD CONSTRAINT "notification_messages_recipient_id_fkey" FOREIGN KEY ("recipient_id") REFERENCES "recipients"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "attachments" ADD CONSTRAINT "attachments_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "workflow_sessions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "attachments" ADD CONSTRAINT "attachments_recipient_id_fkey" FOREIGN KEY ("recipient_id") REFERENCES "recipients"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_subscriptions" ADD CONSTRAINT "webhook_subscriptions_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_secrets" ADD CONSTRAINT "webhook_secrets_subscription_id_fkey" FOREIGN KEY ("subscription_id") REFERENCES "webhook_subscriptions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_subscription_id_fkey" FOREIGN KEY ("subscription_id") REFERENCES "webhook_subscriptions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_delivery_attempts" ADD CONSTRAINT "webhook_delivery_attempts_delivery_id_fkey" FOREIGN KEY ("delivery_id") REFERENCES "webhook_deliveries"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "idempotency_keys" ADD CONSTRAINT "idempotency_keys_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- ================================================================ beyond what Prisma expresses

-- ---------------------------------------------------------------- invariants
ALTER TABLE "workflow_sessions"
    ADD CONSTRAINT "workflow_sessions_document_url_https" CHECK ("document_url" ~ '^https://' AND char_length("document_url") <= 500),
    ADD CONSTRAINT "workflow_sessions_creator_type" CHECK ("creator_type" IN ('USER', 'API_KEY')),
    ADD CONSTRAINT "workflow_sessions_metadata_object" CHECK (jsonb_typeof("metadata") = 'object'),
    ADD CONSTRAINT "workflow_sessions_total_positive" CHECK ("total_recipients" >= 1),
    ADD CONSTRAINT "workflow_sessions_completed_within_total" CHECK ("completed_recipients" BETWEEN 0 AND "total_recipients"),
    ADD CONSTRAINT "workflow_sessions_current_within_total" CHECK ("current_recipient_order" BETWEEN 0 AND "total_recipients"),
    ADD CONSTRAINT "workflow_sessions_completed_means_all" CHECK ("status" <> 'COMPLETED' OR "completed_recipients" = "total_recipients"),
    ADD CONSTRAINT "workflow_sessions_finished_iff_not_active" CHECK (("status" = 'ACTIVE') = ("finished_at" IS NULL));

ALTER TABLE "recipients"
    ADD CONSTRAINT "recipients_order_index_non_negative" CHECK ("order_index" >= 0),
    ADD CONSTRAINT "recipients_token_hash_sha256" CHECK (octet_length("token_hash") = 32),
    ADD CONSTRAINT "recipients_contact_present" CHECK ("email" IS NOT NULL OR "phone" IS NOT NULL),
    ADD CONSTRAINT "recipients_email_lower_case" CHECK ("email" = lower("email")),
    ADD CONSTRAINT "recipients_form_schema_iff_custom" CHECK (("recipient_type" = 'CUSTOM') = ("form_schema" IS NOT NULL)),
    ADD CONSTRAINT "recipients_form_data_object" CHECK (jsonb_typeof("form_data") = 'object'),
    ADD CONSTRAINT "recipients_counters_non_negative" CHECK ("reminder_count" >= 0 AND "retry_count" >= 0),
    ADD CONSTRAINT "recipients_completed_at" CHECK ("status" <> 'COMPLETED' OR "completed_at" IS NOT NULL),
    ADD CONSTRAINT "recipients_declined_with_reason" CHECK ("status" <> 'DECLINED' OR ("declined_at" IS NOT NULL AND "decline_reason" IS NOT NULL));

ALTER TABLE "recipient_verifications"
    ADD CONSTRAINT "recipient_verifications_attempts_non_negative" CHECK ("attempts" >= 0);

ALTER TABLE "notification_messages"
    ADD CONSTRAINT "notification_messages_attempts_non_negative" CHECK ("attempts" >= 0);

ALTER TABLE "attachments"
    ADD CONSTRAINT "attachments_file_size_non_negative" CHECK ("file_size" >= 0),
    ADD CONSTRAINT "attachments_download_count_non_negative" CHECK ("download_count" >= 0),
    ADD CONSTRAINT "attachments_checksum_sha256" CHECK (octet_length("checksum") = 32);

ALTER TABLE "webhook_subscriptions"
    ADD CONSTRAINT "webhook_subscriptions_failures_non_negative" CHECK ("consecutive_failures" >= 0),
    ADD CONSTRAINT "webhook_subscriptions_event_types_present" CHECK (cardinality("event_types") >= 1);

ALTER TABLE "webhook_deliveries"
    ADD CONSTRAINT "webhook_deliveries_attempts_non_negative" CHECK ("attempts" >= 0);

-- ---------------------------------------------------------------- partial indexes (each backs one job's scan)
-- Expiry: ACTIVE sessions past their expiry, oldest first.
CREATE INDEX "idx_workflow_expiry_due" ON "workflow_sessions"("expires_at") WHERE "status" = 'ACTIVE';
-- Retention: finished sessions whose contents are not purged yet.
CREATE INDEX "idx_workflow_retention_due" ON "workflow_sessions"("finished_at") WHERE "status" <> 'ACTIVE' AND "purged_at" IS NULL;

-- ---------------------------------------------------------------- kept by the database
CREATE TRIGGER "workflow_sessions_updated_at" BEFORE UPDATE ON "workflow_sessions" FOR EACH ROW EXECUTE FUNCTION "set_updated_at"();
CREATE TRIGGER "recipients_updated_at" BEFORE UPDATE ON "recipients" FOR EACH ROW EXECUTE FUNCTION "set_updated_at"();
CREATE TRIGGER "notification_messages_updated_at" BEFORE UPDATE ON "notification_messages" FOR EACH ROW EXECUTE FUNCTION "set_updated_at"();
CREATE TRIGGER "webhook_subscriptions_updated_at" BEFORE UPDATE ON "webhook_subscriptions" FOR EACH ROW EXECUTE FUNCTION "set_updated_at"();
CREATE TRIGGER "webhook_deliveries_updated_at" BEFORE UPDATE ON "webhook_deliveries" FOR EACH ROW EXECUTE FUNCTION "set_updated_at"();

-- The seed's update_workflow_progress(), set-based: one statement-level trigger recounts the
-- sessions a statement touched (total, completed, and whose turn it is: the lowest order_index not
-- completed, or total once all are). On UPDATE it first asks whether any recipient's completion
-- changed, as a symmetric difference of the COMPLETED ids (EXCEPT: hashed or sorted; a join of the
-- two transition tables, which have no statistics, was planned as a nested loop and took 58 s for one
-- 5,000-session expiry batch); the expiry job's bulk UPDATE changes none and is skipped. The
-- UPDATE-only test sits in its own IF because PL/pgSQL plans an expression as a whole, and an INSERT
-- trigger has no OLD TABLE.
CREATE FUNCTION "update_workflow_progress"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NOT EXISTS (
            (SELECT n.id FROM new_rows n WHERE n.status = 'COMPLETED'
             EXCEPT SELECT o.id FROM old_rows o WHERE o.status = 'COMPLETED')
            UNION ALL
            (SELECT o.id FROM old_rows o WHERE o.status = 'COMPLETED'
             EXCEPT SELECT n.id FROM new_rows n WHERE n.status = 'COMPLETED')
        ) THEN
            RETURN NULL;
        END IF;
    END IF;
    UPDATE workflow_sessions s
       SET total_recipients = p.total,
           completed_recipients = p.completed,
           current_recipient_order = p.current_order
      FROM (SELECT r.session_id,
                   count(*)::int AS total,
                   (count(*) FILTER (WHERE r.status = 'COMPLETED'))::int AS completed,
                   coalesce(min(r.order_index) FILTER (WHERE r.status <> 'COMPLETED'), count(*))::int AS current_order
              FROM recipients r
             WHERE r.session_id IN (SELECT DISTINCT session_id FROM new_rows)
             GROUP BY r.session_id) p
     WHERE s.id = p.session_id
       AND (s.total_recipients, s.completed_recipients, s.current_recipient_order)
           IS DISTINCT FROM (p.total, p.completed, p.current_order);
    RETURN NULL;
END $$;

CREATE TRIGGER "recipients_progress_after_insert" AFTER INSERT ON "recipients"
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "update_workflow_progress"();
CREATE TRIGGER "recipients_progress_after_update" AFTER UPDATE ON "recipients"
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "update_workflow_progress"();

-- ---------------------------------------------------------------- row-level security
-- Every table of this domain is tenant-owned: rows of the transaction's tenant only.
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['workflow_sessions', 'recipients', 'recipient_assignments', 'recipient_verifications',
                             'notification_messages', 'attachments', 'webhook_subscriptions', 'webhook_secrets',
                             'webhook_deliveries', 'webhook_delivery_attempts', 'idempotency_keys'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY "tenant_isolation" ON %I USING ("tenant_id" = app_current_tenant()) '
                       'WITH CHECK ("tenant_id" = app_current_tenant())', t);
    END LOOP;
END $$;

-- A secret link arrives before any tenant is known: the link lookup (a SECURITY DEFINER function
-- owned by itinera_definer) and the jobs' "which tenants have due work" scans read across tenants.
-- itinera_definer can only SELECT, and only these tables.
CREATE POLICY "definer_lookup" ON "workflow_sessions" FOR SELECT TO itinera_definer USING (true);
CREATE POLICY "definer_lookup" ON "recipients" FOR SELECT TO itinera_definer USING (true);
CREATE POLICY "definer_lookup" ON "recipient_verifications" FOR SELECT TO itinera_definer USING (true);
CREATE POLICY "definer_lookup" ON "attachments" FOR SELECT TO itinera_definer USING (true);
CREATE POLICY "definer_lookup" ON "idempotency_keys" FOR SELECT TO itinera_definer USING (true);
GRANT SELECT ON "workflow_sessions", "recipients", "recipient_verifications", "attachments", "idempotency_keys" TO itinera_definer;

-- Tenants that have work due for a job, so the job can then act inside each tenant's scope.
-- ('expiry': ACTIVE sessions past expires_at; 'retention': finished before the cut-off, not purged,
-- not on legal hold; 'idempotency': expired keys.)
CREATE FUNCTION "workflow_tenants_with_due_work"(p_kind text, p_before timestamptz)
RETURNS TABLE (tenant_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT DISTINCT s.tenant_id FROM workflow_sessions s
     WHERE p_kind = 'expiry' AND s.status = 'ACTIVE' AND s.expires_at <= p_before
    UNION
    SELECT DISTINCT s.tenant_id FROM workflow_sessions s
     WHERE p_kind = 'retention' AND s.status <> 'ACTIVE' AND s.purged_at IS NULL
       AND s.finished_at <= p_before AND NOT s.legal_hold
    UNION
    SELECT DISTINCT k.tenant_id FROM idempotency_keys k
     WHERE p_kind = 'idempotency' AND k.expires_at <= p_before
$$;
ALTER FUNCTION "workflow_tenants_with_due_work"(text, timestamptz) OWNER TO itinera_definer;
REVOKE ALL ON FUNCTION "workflow_tenants_with_due_work"(text, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION "workflow_tenants_with_due_work"(text, timestamptz) TO itinera_app;
