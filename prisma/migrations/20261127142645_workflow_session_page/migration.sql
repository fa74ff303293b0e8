-- The workflow list's page as a SECURITY DEFINER function (hand-written: a function, not
-- expressible in the Prisma schema).
--
-- Why not a plain query as itinera_app: under row-level security PostgreSQL neither uses column
-- statistics nor builds index conditions for operators that are not leakproof, and enum equality
-- (status) and jsonb containment (metadata, form_data) are not. As the app role the list could only
-- apply those filters after reading the tenant's sessions in created_at order: the whole tenant for
-- a rare status or a selective containment (350 ms over 270,000 sessions, measured). itinera_definer's
-- policy on these tables is USING (true), so here the filters become index conditions on
-- idx_workflow_status_created, idx_workflow_metadata and idx_recipient_form_data.
--
-- The tenant is still the caller's: app_current_tenant() (the transaction's app.tenant_id, which
-- the definer sees like the caller), compared explicitly; no tenant set means no rows.
-- Dynamic SQL so that each call is planned for the filters it has (EXECUTE plans with the values).
CREATE FUNCTION "workflow_session_page"(
    p_status "WorkflowStatus",
    p_creator_id uuid,
    p_created_from timestamptz,
    p_created_to timestamptz,
    p_metadata jsonb,
    p_form_data jsonb,
    p_after_created_at timestamptz,
    p_after_id uuid,
    p_limit integer)
RETURNS SETOF "workflow_sessions"
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    q text := 'SELECT s.* FROM workflow_sessions s WHERE s.tenant_id = $1';
    tenant uuid := app_current_tenant();
BEGIN
    IF tenant IS NULL THEN
        RETURN;
    END IF;
    IF p_limit IS NULL OR p_limit < 1 OR p_limit > 1000 THEN
        RAISE EXCEPTION 'workflow_session_page: limit % out of range', p_limit USING ERRCODE = '22023';
    END IF;
    IF p_status IS NOT NULL THEN q := q || ' AND s.status = $2'; END IF;
    IF p_creator_id IS NOT NULL THEN q := q || ' AND s.creator_id = $3'; END IF;
    IF p_created_from IS NOT NULL THEN q := q || ' AND s.created_at >= $4'; END IF;
    IF p_created_to IS NOT NULL THEN q := q || ' AND s.created_at < $5'; END IF;
    IF p_metadata IS NOT NULL THEN q := q || ' AND s.metadata @> $6'; END IF;
    IF p_form_data IS NOT NULL THEN
        -- The sessions of the matching recipients (GIN), then each session by its key: the planner
        -- cannot estimate containment and would otherwise hash-join a scan of the whole tenant.
        q := 'WITH hits AS MATERIALIZED (SELECT DISTINCT r.session_id FROM recipients r'
             ' WHERE r.tenant_id = $1 AND r.form_data @> $7)'
             ' SELECT s.* FROM hits h JOIN workflow_sessions s ON s.id = h.session_id WHERE s.tenant_id = $1'
             || substr(q, length('SELECT s.* FROM workflow_sessions s WHERE s.tenant_id = $1') + 1);
    END IF;
    IF p_after_created_at IS NOT NULL AND p_after_id IS NOT NULL THEN
        q := q || ' AND (s.created_at, s.id) < ($8, $9)';
    END IF;
    IF p_metadata IS NOT NULL OR p_form_data IS NOT NULL THEN
        -- Containment filters are meant to be selective (an order id, an NPI): take the matches
        -- from the GIN index, then sort them, rather than walk the tenant in created_at order.
        q := 'WITH matched AS MATERIALIZED (' || q || ') SELECT * FROM matched ORDER BY created_at DESC, id DESC LIMIT $10';
    ELSIF p_status IS NOT NULL THEN
        q := q || ' ORDER BY s.status, s.created_at DESC, s.id DESC LIMIT $10';
    ELSIF p_creator_id IS NOT NULL THEN
        q := q || ' ORDER BY s.creator_id, s.created_at DESC, s.id DESC LIMIT $10';
    ELSE
        q := q || ' ORDER BY s.created_at DESC, s.id DESC LIMIT $10';
    END IF;
    RETURN QUERY EXECUTE q USING tenant, p_status, p_creator_id, p_created_from, p_created_to, p_metadata,
        p_form_data, p_after_created_at, p_after_id, p_limit;
END $$;
ALTER FUNCTION "workflow_session_page"("WorkflowStatus", uuid, timestamptz, timestamptz, jsonb, jsonb, timestamptz, uuid, integer)
    OWNER TO itinera_definer;
REVOKE ALL ON FUNCTION "workflow_session_page"("WorkflowStatus", uuid, timestamptz, timestamptz, jsonb, jsonb, timestamptz, uuid, integer)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION "workflow_session_page"("WorkflowStatus", uuid, timestamptz, timestamptz, jsonb, jsonb, timestamptz, uuid, integer)
    TO itinera_app;
