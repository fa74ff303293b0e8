-- update_workflow_progress() on UPDATE decided whether any recipient's completion changed by joining
-- the OLD and NEW transition tables on id. Transition tables have no statistics, and the planner
-- joined them with a nested loop: for the expiry job's batch (5,000 sessions, 15,000 recipient rows
-- updated) the trigger alone took 58 s and the statement hit the 30 s statement timeout (found by
-- `npm run bench -- expiry`). The same test as a symmetric difference of the COMPLETED ids
-- (EXCEPT, hashed or sorted, never a nested loop): 20 ms for that batch. Same results otherwise.
CREATE OR REPLACE FUNCTION "update_workflow_progress"() RETURNS trigger
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
