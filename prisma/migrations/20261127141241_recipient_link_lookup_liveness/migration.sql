-- recipient_link_lookup returns the row of a dead link too, with `live` false (the session is
-- cancelled, expired, past expires_at or purged), instead of no row: a retried decline or
-- completion with an Idempotency-Key must reach its stored answer even though the link died with
-- the first request. The resolver still answers the same 404 for every link that is not live, and
-- the statement does the same work either way. The return type changes, hence DROP and CREATE.
DROP FUNCTION "recipient_link_lookup"(bytea, bytea);

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
