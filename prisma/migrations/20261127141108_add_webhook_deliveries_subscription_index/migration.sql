-- A subscription's deliveries, newest first (GET /webhooks/:id/deliveries): the keyset of the list
-- behind the subscription id, instead of filtering the tenant's whole (tenant_id, created_at) range.
-- CreateIndex
CREATE INDEX "webhook_deliveries_subscription_id_created_at_id_idx" ON "webhook_deliveries"("subscription_id", "created_at" DESC, "id" DESC);
