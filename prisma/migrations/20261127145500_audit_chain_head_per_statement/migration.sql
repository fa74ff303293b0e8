-- The audit chain's head is written once per statement instead of once per entry.
--
-- audit_log_chain() updated the chain's head row for every entry. A set-based insert of N entries
-- (the expiry job writes one per expired session, 5,000 a statement) then made N versions of one
-- row inside one transaction, and each update had to walk the versions before it: about 1 s per
-- 5,000 entries, most of a 100,000-session expiry.
--
-- Now the first entry a transaction writes to a chain locks the head row (FOR UPDATE, held until
-- commit: what orders a chain's writers, as before) and reads it; the running head (seq and hash)
-- then lives in a transaction-local setting, and a statement-level trigger writes the head row once
-- per statement and chain. Settings made with set_config(..., true) end with the transaction and are
-- undone by ROLLBACK TO SAVEPOINT like the rows themselves, so the cached head never outlives the
-- lock or the entries it describes. Entries, hashes and audit_log_verify() are unchanged.
CREATE OR REPLACE FUNCTION "audit_log_chain"() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp AS $$
DECLARE
    chain uuid := COALESCE(NEW.tenant_id, '00000000-0000-0000-0000-000000000000');
    setting text := 'itinera.audit_head_' || replace(chain::text, '-', '');
    cached text := current_setting(setting, true);
    last_seq bigint;
    last_hash bytea;
BEGIN
    IF cached IS NULL OR cached = '' THEN
        INSERT INTO audit_chain_heads (chain_key, last_seq, last_hash) VALUES (chain, 0, '\x')
            ON CONFLICT (chain_key) DO NOTHING;
        SELECT h.last_seq, h.last_hash INTO last_seq, last_hash
          FROM audit_chain_heads h WHERE h.chain_key = chain FOR UPDATE;
    ELSE
        last_seq := split_part(cached, ':', 1)::bigint;
        last_hash := decode(split_part(cached, ':', 2), 'hex');
    END IF;
    NEW.seq := last_seq + 1;
    NEW.hash := sha256(last_hash || audit_log_canonical(NEW.id, NEW.tenant_id, NEW.seq, NEW.actor_type,
        NEW.actor_id, NEW.action, NEW.resource_type, NEW.resource_id, NEW.before, NEW.after, NEW.metadata,
        NEW.ip, NEW.user_agent, NEW.request_id, NEW.occurred_at));
    PERFORM set_config(setting, NEW.seq::text || ':' || encode(NEW.hash, 'hex'), true);
    RETURN NEW;
END;
$$;

-- Once per INSERT statement: each chain's head becomes its last entry of the statement.
CREATE FUNCTION "audit_log_chain_heads"() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp AS $$
BEGIN
    UPDATE audit_chain_heads h
       SET last_seq = n.seq, last_hash = n.hash
      FROM (SELECT DISTINCT ON (chain_key) COALESCE(tenant_id, '00000000-0000-0000-0000-000000000000') AS chain_key,
                   seq, hash
              FROM new_rows
             ORDER BY chain_key, seq DESC) n
     WHERE h.chain_key = n.chain_key;
    RETURN NULL;
END;
$$;
CREATE TRIGGER "audit_log_chain_heads" AFTER INSERT ON "audit_log"
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "audit_log_chain_heads"();
