-- The transactional outbox: work that must follow a committed change, relayed to Bull by the worker.
CREATE TABLE "outbox_messages" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "queue" VARCHAR(100) NOT NULL,
    "job_name" VARCHAR(100) NOT NULL,
    "payload" JSONB NOT NULL,
    "options" JSONB NOT NULL DEFAULT '{}',
    "tenant_id" UUID,
    "request_id" VARCHAR(100),
    "available_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "claimed_until" TIMESTAMPTZ(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "delivered_at" TIMESTAMPTZ(3),
    "dead_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "outbox_messages_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "outbox_messages_attempts_check" CHECK ("attempts" >= 0)
);

-- Partial indexes, which Prisma 6 cannot express (and leaves alone when diffing): the relay scans
-- only pending rows and the purge only delivered ones, so each index stays as small as its work.
CREATE INDEX "outbox_messages_pending_idx" ON "outbox_messages"("available_at", "created_at")
    WHERE "delivered_at" IS NULL AND "dead_at" IS NULL;

CREATE INDEX "outbox_messages_delivered_idx" ON "outbox_messages"("delivered_at")
    WHERE "delivered_at" IS NOT NULL;

-- Wake the relay as soon as a transaction that wrote outbox rows commits (NOTIFY is delivered at
-- commit and never for a rolled-back transaction); polling stays as the fallback. One notification
-- per statement, not per row, so bulk inserts stay cheap.
CREATE FUNCTION "outbox_messages_notify"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('outbox_messages', '');
    RETURN NULL;
END;
$$;

CREATE TRIGGER "outbox_messages_notify" AFTER INSERT ON "outbox_messages"
    FOR EACH STATEMENT EXECUTE FUNCTION "outbox_messages_notify"();

-- For every table with an updated_at column: the database, not the app, keeps it current.
CREATE FUNCTION "set_updated_at"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW."updated_at" = CURRENT_TIMESTAMP;
    RETURN NEW;
END;
$$;
