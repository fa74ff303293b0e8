-- update_workflow_progress() as first written failed on every INSERT into recipients
-- ("relation old_rows does not exist"): PL/pgSQL plans `TG_OP = 'UPDATE' AND NOT EXISTS (… old_rows …)`
-- as one expression, and an INSERT trigger has no OLD TABLE. The UPDATE-only test now sits in its
-- own IF, which PL/pgSQL plans only when it runs (on UPDATE). Otherwise the same function.
CREATE OR REPLACE FUNCTION "update_workflow_progress"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NOT EXISTS (
            SELECT 1 FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE (n.status = 'COMPLETED') <> (o.status = 'COMPLETED')
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
