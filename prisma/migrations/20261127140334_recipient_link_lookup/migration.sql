-- The recipient link lookup: a secret link arrives before any tenant is known, so the one read a
-- link view needs runs as a SECURITY DEFINER function owned by itinera_definer (which may only
-- SELECT workflow_sessions, recipients, recipient_verifications and attachments, through its
-- definer_lookup policies). Prisma's schema cannot express functions, hence hand-written SQL.
--
-- One row for the token hash (idx_recipient_unique_url), none for an unknown or replaced token.
-- `live` is true while the session is ACTIVE and unexpired, or COMPLETED (viewable read-only), and
-- not purged. A dead link's row still comes back (live false) because a retried decline or
-- completion with an Idempotency-Key must reach its stored answer after the link died with the
-- first request; every other use answers the same 404 for every link that is not live, after the
-- same statement.
-- `grant_valid` says whether `p_grant_hash` is a live verification grant of this recipient.
-- plpgsql (not sql) so each connection keeps the statement's plan between calls.
CREATE FUNCTION "recipient_link_lookup"(p_token_hash bytea, p_grant_hash bytea)
RETURNS TABLE (
    recipient_id uuid,
    tenant_id uuid,
    session_id uuid,
    order_index integer,
    recipient_status "RecipientStatus",
    recipient_type "RecipientType",
    name text,
    email text,
    phone text,
    form_schema jsonb,
    form_data jsonb,
    requires_verification boolean,
    accessed_at timestamptz,
    completed_at timestamptz,
    grant_valid boolean,
    session_status "WorkflowStatus",
    document_url text,
    expires_at timestamptz,
    current_recipient_order integer,
    total_recipients integer,
    completed_recipients integer,
    attachments jsonb,
    live boolean
)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    RETURN QUERY
    SELECT r.id, r.tenant_id, r.session_id, r.order_index, r.status, r.recipient_type,
           r.name::text, r.email::text, r.phone::text, r.form_schema, r.form_data, r.requires_verification,
           r.accessed_at, r.completed_at,
           (p_grant_hash IS NOT NULL AND EXISTS (
               SELECT 1 FROM recipient_verifications v
                WHERE v.grant_hash = p_grant_hash AND v.recipient_id = r.id AND v.grant_expires_at > now())),
           s.status, s.document_url::text, s.expires_at, s.current_recipient_order, s.total_recipients,
           s.completed_recipients,
           coalesce((SELECT jsonb_agg(jsonb_build_object(
                                'id', a.id, 'fileName', a.file_name, 'fileType', a.file_type,
                                'fileSize', a.file_size, 'scanStatus', a.scan_status, 'uploadedAt', a.uploaded_at)
                            ORDER BY a.uploaded_at DESC, a.id)
                       FROM attachments a
                      WHERE a.session_id = r.session_id AND a.purged_at IS NULL), '[]'::jsonb),
           (s.purged_at IS NULL AND (s.status = 'COMPLETED' OR (s.status = 'ACTIVE' AND s.expires_at > now())))
      FROM recipients r
      JOIN workflow_sessions s ON s.id = r.session_id
     WHERE r.token_hash = p_token_hash;
END $$;

ALTER FUNCTION "recipient_link_lookup"(bytea, bytea) OWNER TO itinera_definer;
REVOKE ALL ON FUNCTION "recipient_link_lookup"(bytea, bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION "recipient_link_lookup"(bytea, bytea) TO itinera_app;
