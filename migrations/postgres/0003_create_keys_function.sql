-- Group commit of creates (store/postgres/creates/): one call creates a
-- whole batch of keys, in the autocommit transaction of a single statement,
-- so a batch costs one round trip and one commit (one WAL flush) however
-- many keys it holds, and the projects' counter rows are locked once per
-- batch, for that one statement and its commit, instead of once per key
-- across several round trips.
--
-- Each create in the batch gets the outcome it would get alone, in arrival
-- order, exactly as the SQLite writer's savepoints give it:
--   0 created, 1 name taken (409; also when the project is full),
--   2 project full (the quota), 3 no such project (a bug: 500).
-- A refused create changes nothing; the others are stored with their audit
-- event and counters.
--
-- Locks: the counter rows of every project in the batch, in id order,
-- before anything else. Every write to a project's keys (create, delete)
-- holds its counter row's lock first, so the name check below, made under
-- that lock with a fresh snapshot, sees every committed name and no
-- uncommitted one can appear; and batches on different nodes lock in the
-- same order, so they queue rather than deadlock.
CREATE FUNCTION sshkeyd_create_keys(
    p_ids UUID[],
    p_projects BIGINT[],
    p_owners BIGINT[],
    p_names TEXT[],
    p_public_keys TEXT[],
    p_fingerprints TEXT[],
    p_shared BOOLEAN[],
    p_created_at BIGINT[],
    p_fingerprints_sha256 TEXT[],
    p_max_keys BIGINT[],
    p_audit_at BIGINT[],
    p_actors BIGINT[],
    p_request_ids TEXT[]
) RETURNS SMALLINT[]
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    total INT := coalesce(cardinality(p_ids), 0);
    status SMALLINT[] := array_fill(0::SMALLINT, ARRAY[total]);
    locked BIGINT[];  -- the batch's projects that exist, ascending
    counts BIGINT[];  -- their key_count, as this batch fills them
    leader BIGINT[];  -- per create: the first create in the batch with its (project, name)
    taken BOOLEAN[];  -- per create: its name is already in its project
    pos INT;
BEGIN
    IF total = 0 THEN
        RETURN status;
    END IF;
    SELECT array_agg(l.id ORDER BY l.id), array_agg(l.key_count ORDER BY l.id) INTO locked, counts
    FROM (SELECT id, key_count FROM projects WHERE id = ANY (p_projects) ORDER BY id FOR UPDATE) AS l;

    SELECT array_agg(d.f ORDER BY d.i), array_agg(d.t ORDER BY d.i) INTO leader, taken
    FROM (
        SELECT b.i, min(b.i) OVER (PARTITION BY b.project, b.name) AS f,
               EXISTS (SELECT 1 FROM ssh_keys k WHERE k.project_id = b.project AND k.name = b.name) AS t
        FROM unnest(p_projects, p_names) WITH ORDINALITY AS b (project, name, i)
    ) AS d;

    FOR i IN 1..total LOOP
        IF leader[i] <> i THEN
            -- A name repeated within the batch: taken if its first create
            -- succeeded, else refused as that one was.
            status[i] := CASE WHEN status[leader[i]::INT] = 0 THEN 1 ELSE status[leader[i]::INT] END;
        ELSIF taken[i] THEN
            status[i] := 1;
        ELSE
            pos := array_position(locked, p_projects[i]);
            IF pos IS NULL THEN
                status[i] := 3;
            ELSIF counts[pos] >= p_max_keys[i] THEN
                status[i] := 2;
            ELSE
                counts[pos] := counts[pos] + 1;
            END IF;
        END IF;
    END LOOP;

    INSERT INTO ssh_keys (id, project_id, owner_id, name, public_key, fingerprint, shared, created_at,
                          fingerprint_sha256)
    SELECT b.id, b.project, b.owner, b.name, b.public_key, b.fingerprint, b.shared, b.created_at, b.sha256
    FROM unnest(p_ids, p_projects, p_owners, p_names, p_public_keys, p_fingerprints, p_shared, p_created_at,
                p_fingerprints_sha256)
         WITH ORDINALITY AS b (id, project, owner, name, public_key, fingerprint, shared, created_at, sha256, i)
    WHERE status[b.i::INT] = 0
    ORDER BY b.i;

    UPDATE projects AS p SET key_count = p.key_count + d.n, shared_count = p.shared_count + d.s
    FROM (
        SELECT b.project, count(*) AS n, count(*) FILTER (WHERE b.shared) AS s
        FROM unnest(p_projects, p_shared) WITH ORDINALITY AS b (project, shared, i)
        WHERE status[b.i::INT] = 0
        GROUP BY b.project
    ) AS d
    WHERE p.id = d.project;

    INSERT INTO private_key_counts (project_id, owner_id, n)
    SELECT b.project, b.owner, count(*)
    FROM unnest(p_projects, p_owners, p_shared) WITH ORDINALITY AS b (project, owner, shared, i)
    WHERE status[b.i::INT] = 0 AND NOT b.shared
    GROUP BY b.project, b.owner
    ORDER BY b.project, b.owner
    ON CONFLICT (project_id, owner_id) DO UPDATE SET n = private_key_counts.n + excluded.n;

    INSERT INTO audit_events (at, action, user_id, project_id, key_id, fingerprint, request_id)
    SELECT b.at, 'create', b.actor, b.project, b.id, b.fingerprint, b.request_id
    FROM unnest(p_audit_at, p_actors, p_projects, p_ids, p_fingerprints, p_request_ids)
         WITH ORDINALITY AS b (at, actor, project, id, fingerprint, request_id, i)
    WHERE status[b.i::INT] = 0
    ORDER BY b.i;

    RETURN status;
END
$$;
