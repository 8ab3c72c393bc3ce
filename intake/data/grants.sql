-- PostgreSQL privileges of the two faces' database roles.
--
-- Applied by `flask db grants --public-role ROLE --review-role ROLE [--schema SCHEMA]`, connected as
-- the owner of the schema (the role that runs `flask db upgrade`); run it again after every upgrade.
-- It first takes every privilege on the schema's tables away from both roles and then grants exactly
-- what is below, so running it twice changes nothing, and a table a later migration adds stays
-- closed to both faces until it is listed here (default deny).
--
-- {schema}, {public} and {review} are replaced by the quoted schema and role names. Statements end
-- with a semicolon at the end of a line.

REVOKE CREATE ON SCHEMA {schema} FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {public}, {review};
REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {public}, {review};
REVOKE ALL ON SCHEMA {schema} FROM {public}, {review};
GRANT USAGE ON SCHEMA {schema} TO {public}, {review};

-- ===== The public face (internet-facing) =====================================================
-- It inserts its own rows, reads back what the status page shows, marks replies read, and on a
-- withdrawal shreds its own submission's keys and turns the row into a tombstone. It has no DELETE
-- on any table but record_keys, no UPDATE of review-side state, and no access at all to accounts,
-- sessions, the audit log, persons and their links, blind indexes, tags or exports.

-- Submissions. INSERT leaves the review-side state (status, in_working_store, purged_on, state_seq,
-- state_mac) to the column defaults; UPDATE is what a withdrawal clears (status may only be set to
-- "withdrawn": any other value fails the review face's integrity seal). The row lock a withdrawal
-- or a follow-up takes (FOR UPDATE / FOR SHARE) needs UPDATE on one column, which this gives.
-- A legacy receipt that opens moves to the current scheme on the spot (services/receipt_lookup.py):
-- that is the UPDATE of receipt_selector, receipt_bucket, receipt_verifier and reply_public_key.
GRANT SELECT ON {schema}.submissions TO {public};
GRANT INSERT (id, created_on, language, receipt_selector, receipt_bucket, receipt_verifier, reply_public_key,
              family_names, consent, contact)
    ON {schema}.submissions TO {public};
GRANT UPDATE (status, language, receipt_selector, receipt_bucket, receipt_verifier, reply_public_key, family_names,
              contact)
    ON {schema}.submissions TO {public};

-- Reports: sealed fields and their place in the submission; never status, verification, person,
-- assignment or seal (the review face sets them at take-in).
GRANT SELECT ON {schema}.reports TO {public};
GRANT INSERT (id, handle, submission_id, position, created_on, names, gender, birth_date, ethnicity, home_county,
              home_place_text, id_number, occupation, detention_date, detention_place, facility, facility_type,
              sentence, last_contact, submitter_relationship, testimony, reported_status)
    ON {schema}.reports TO {public};

-- Follow-ups (news, a new status, files) and the replies shown on the status page.
GRANT SELECT, INSERT ON {schema}.messages TO {public};
GRANT UPDATE (read_by_family) ON {schema}.messages TO {public};
GRANT SELECT, INSERT ON {schema}.status_events TO {public};
GRANT SELECT, INSERT ON {schema}.attachments TO {public};

-- Data-key wraps: new inbox wraps, and deleting its own on a withdrawal (crypto-shredding). It never
-- reads a wrap: only which rows exist, which is what its DELETE needs.
GRANT SELECT (id, owner_table, owner_id, holder) ON {schema}.record_keys TO {public};
GRANT INSERT, DELETE ON {schema}.record_keys TO {public};
-- Row by row (row-level security): it may insert inbox wraps only, and delete only the wraps of a
-- submission already marked withdrawn (in the same transaction) and of that submission's
-- follow-ups: never a working-store wrap of a live submission, an account's or a person's. So it
-- cannot shred a testimony silently: only by leaving a tombstone, which the review face finishes
-- and audits. The review role sees and changes every row; the owner is not subject to the policies.
ALTER TABLE {schema}.record_keys ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS intake_public_read ON {schema}.record_keys;
DROP POLICY IF EXISTS intake_public_insert ON {schema}.record_keys;
DROP POLICY IF EXISTS intake_public_shred ON {schema}.record_keys;
DROP POLICY IF EXISTS intake_review_all ON {schema}.record_keys;
CREATE POLICY intake_public_read ON {schema}.record_keys FOR SELECT TO {public} USING (true);
CREATE POLICY intake_public_insert ON {schema}.record_keys FOR INSERT TO {public}
    WITH CHECK (holder = 'inbox' AND owner_table IN ('submissions', 'messages', 'status_events', 'attachments'));
CREATE POLICY intake_public_shred ON {schema}.record_keys FOR DELETE TO {public} USING (
    (owner_table = 'submissions' AND owner_id IN (
        SELECT id FROM {schema}.submissions WHERE status = 'withdrawn'))
    OR (owner_table = 'messages' AND owner_id IN (
        SELECT c.id FROM {schema}.messages c JOIN {schema}.submissions s ON s.id = c.submission_id
        WHERE s.status = 'withdrawn' AND c.own_key))
    OR (owner_table = 'status_events' AND owner_id IN (
        SELECT c.id FROM {schema}.status_events c JOIN {schema}.submissions s ON s.id = c.submission_id
        WHERE s.status = 'withdrawn' AND c.own_key))
    OR (owner_table = 'attachments' AND owner_id IN (
        SELECT c.id FROM {schema}.attachments c JOIN {schema}.submissions s ON s.id = c.submission_id
        WHERE s.status = 'withdrawn' AND c.own_key)));
CREATE POLICY intake_review_all ON {schema}.record_keys TO {review} USING (true) WITH CHECK (true);

-- ===== The review face (private network) ===================================================
-- Everything, except that the audit log is append-only even for the review face: no UPDATE, DELETE
-- or TRUNCATE of audit_events or audit_checkpoints.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {review};
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {review};
REVOKE UPDATE, DELETE, TRUNCATE ON {schema}.audit_events FROM {review};
REVOKE UPDATE, DELETE, TRUNCATE ON {schema}.audit_checkpoints FROM {review};
