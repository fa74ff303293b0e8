-- Reminders (libs/recipients, job recipient-reminders). Hand-written: a SECURITY DEFINER function,
-- which the Prisma schema cannot express.
--
-- Tenants with at least one recipient due for a reminder, so the job can then work inside each
-- tenant's scope (the pattern of workflow_tenants_with_due_work). Due: the recipient whose turn it
-- is, of an ACTIVE and unexpired session, not finished, still holding a sendable link, reminded
-- fewer than p_max times, and quiet for p_after_hours since the link was issued (first reminder)
-- or p_every_hours since the last reminder. The job's per-tenant UPDATE repeats these conditions.
CREATE FUNCTION "recipient_tenants_with_due_reminders"(p_after_hours double precision,
                                                        p_every_hours double precision,
                                                        p_max integer)
RETURNS TABLE (tenant_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT DISTINCT s.tenant_id
      FROM workflow_sessions s
      JOIN recipients r ON r.session_id = s.id AND r.order_index = s.current_recipient_order
     WHERE s.status = 'ACTIVE'
       AND s.expires_at > now()
       AND r.status IN ('PENDING', 'ACCESSED', 'IN_PROGRESS')
       AND r.token_ciphertext IS NOT NULL
       AND r.reminder_count < p_max
       AND coalesce(r.last_reminded_at, r.token_issued_at)
           <= now() - make_interval(secs => (CASE WHEN r.reminder_count = 0 THEN p_after_hours ELSE p_every_hours END) * 3600)
$$;
ALTER FUNCTION "recipient_tenants_with_due_reminders"(double precision, double precision, integer) OWNER TO itinera_definer;
REVOKE ALL ON FUNCTION "recipient_tenants_with_due_reminders"(double precision, double precision, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION "recipient_tenants_with_due_reminders"(double precision, double precision, integer) TO itinera_app;
