-- The fidelity corpus: one database using every kind of object pg_dump writes on Debian's
-- PostgreSQL (15+), with names that break naive parsers. Run as a superuser in a database named
-- corpus, owned by corpus_owner, after roles.sql. Data is small: the round trip must stay fast.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

-- database-level properties
COMMENT ON DATABASE corpus IS 'fidelity corpus: every kind of object, it''s "all" here';
REVOKE CONNECT, TEMPORARY ON DATABASE corpus FROM PUBLIC;
GRANT CONNECT ON DATABASE corpus TO reader, writer;
GRANT CONNECT, CREATE ON DATABASE corpus TO "DBA Team" WITH GRANT OPTION;
GRANT TEMPORARY ON DATABASE corpus TO writer;
ALTER DATABASE corpus SET search_path TO "$user", public, "Sales Data";
ALTER DATABASE corpus SET statement_timeout TO '5min';
ALTER ROLE reader IN DATABASE corpus SET work_mem TO '8MB';
ALTER ROLE "DBA Team" IN DATABASE corpus SET application_name TO 'dba team';
ALTER DATABASE corpus CONNECTION LIMIT 40;

-- extensions Debian ships with the server (postgresql-contrib)
CREATE EXTENSION pgcrypto;
CREATE EXTENSION citext;
CREATE EXTENSION hstore;
CREATE EXTENSION pg_trgm;
CREATE EXTENSION btree_gist;
CREATE EXTENSION ltree;
CREATE EXTENSION "uuid-ossp";
CREATE EXTENSION postgres_fdw;

-- schemas: owners, reserved words, spaces, dots, non-ASCII
CREATE SCHEMA app AUTHORIZATION corpus_owner;
CREATE SCHEMA "Sales Data" AUTHORIZATION "DBA Team";
CREATE SCHEMA "user";
CREATE SCHEMA "a.b";
CREATE SCHEMA "Ünïcødé";
COMMENT ON SCHEMA app IS 'the application''s schema';
GRANT USAGE ON SCHEMA app TO reader, writer;
GRANT USAGE ON SCHEMA "Sales Data" TO reader;

SET ROLE corpus_owner;

-- types: enum, range, composite, domains with checks, collations
CREATE TYPE app.mood AS ENUM ('sad', 'ok', 'happy', 'it''s "complicated"');
CREATE TYPE app.floatrange AS RANGE (subtype = float8, subtype_diff = float8mi);
CREATE TYPE app.address AS (street text, city text, zip varchar(10));
CREATE DOMAIN app.email AS citext CHECK (VALUE ~ '^[^@]+@[^@]+$');
CREATE DOMAIN app.positive AS integer NOT NULL CONSTRAINT positive_check CHECK (VALUE > 0);
CREATE COLLATION app.ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE COLLATION app.posix (locale = 'C');
COMMENT ON TYPE app.mood IS 'how it went';
COMMENT ON DOMAIN app.email IS 'an address with an @';
GRANT USAGE ON TYPE app.mood TO reader;

-- functions, procedures, aggregates, operators, casts, text search
CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN NEW.updated := now(); RETURN NEW; END$$;
CREATE FUNCTION app.add_cents(a numeric, b numeric) RETURNS numeric LANGUAGE sql IMMUTABLE STRICT AS $$SELECT round(a + b, 2)$$;
CREATE PROCEDURE app.reset_cache() LANGUAGE plpgsql AS $$BEGIN DELETE FROM app.cache; END$$;
CREATE AGGREGATE app.cents_sum(numeric) (SFUNC = app.add_cents, STYPE = numeric, INITCOND = '0');
CREATE FUNCTION app.mood_eq_text(app.mood, text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$SELECT $1::text = $2$$;
CREATE OPERATOR app.=~ (LEFTARG = app.mood, RIGHTARG = text, FUNCTION = app.mood_eq_text);
CREATE FUNCTION app.address_text(app.address) RETURNS text LANGUAGE sql IMMUTABLE AS $$SELECT concat_ws(', ', $1.street, $1.city, $1.zip)$$;
CREATE CAST (app.address AS text) WITH FUNCTION app.address_text(app.address);
CREATE TEXT SEARCH CONFIGURATION app.plain (COPY = pg_catalog.simple);
REVOKE EXECUTE ON FUNCTION app.add_cents(numeric, numeric) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.add_cents(numeric, numeric) TO writer;
COMMENT ON FUNCTION app.add_cents(numeric, numeric) IS 'adds, rounded to cents';

-- default privileges
ALTER DEFAULT PRIVILEGES FOR ROLE corpus_owner IN SCHEMA app GRANT SELECT ON TABLES TO reader;
ALTER DEFAULT PRIVILEGES FOR ROLE corpus_owner IN SCHEMA app GRANT USAGE ON SEQUENCES TO writer;
ALTER DEFAULT PRIVILEGES FOR ROLE corpus_owner REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;

-- declarative partitioning: range with list sub-partitions, default partitions, hash, partitioned indexes
CREATE TABLE app.payment (
    id bigint GENERATED ALWAYS AS IDENTITY,
    paid_at date NOT NULL,
    region text NOT NULL,
    amount numeric(12, 2),
    PRIMARY KEY (id, paid_at, region)
) PARTITION BY RANGE (paid_at);
CREATE TABLE app.payment_2022 PARTITION OF app.payment FOR VALUES FROM ('2022-01-01') TO ('2023-01-01') PARTITION BY LIST (region);
CREATE TABLE app.payment_2022_eu PARTITION OF app.payment_2022 FOR VALUES IN ('eu');
CREATE TABLE app.payment_2022_us PARTITION OF app.payment_2022 FOR VALUES IN ('us');
CREATE TABLE app.payment_2022_other PARTITION OF app.payment_2022 DEFAULT;
CREATE TABLE app.payment_2023 PARTITION OF app.payment FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
CREATE TABLE app.payment_default PARTITION OF app.payment DEFAULT;
CREATE INDEX payment_region_idx ON app.payment (region);
CREATE INDEX payment_amount_idx ON app.payment USING brin (paid_at);
CREATE TABLE app.events (id int NOT NULL, body text) PARTITION BY HASH (id);
CREATE TABLE app.events_0 PARTITION OF app.events FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE app.events_1 PARTITION OF app.events FOR VALUES WITH (MODULUS 2, REMAINDER 1);
CREATE UNIQUE INDEX events_id_idx ON app.events (id);
INSERT INTO app.payment (paid_at, region, amount)
    SELECT date '2022-01-01' + (i % 800), (ARRAY['eu', 'us', 'apac'])[1 + i % 3], i * 1.25 FROM generate_series(1, 3000) i;
INSERT INTO app.events SELECT i, md5(i::text) FROM generate_series(1, 500) i;

-- inheritance
CREATE TABLE app.vehicle (id serial PRIMARY KEY, name text NOT NULL);
CREATE TABLE app.car (doors int CHECK (doors > 0)) INHERITS (app.vehicle);
INSERT INTO app.vehicle (name) VALUES ('bike'), ('boat');
INSERT INTO app.car (name, doors) VALUES ('mini', 3), ('van', 5);

-- identity and generated columns, every type above in use
CREATE TABLE app.person (
    id int GENERATED BY DEFAULT AS IDENTITY (START WITH 100 INCREMENT BY 7) PRIMARY KEY,
    first text NOT NULL,
    last text NOT NULL,
    full_name text GENERATED ALWAYS AS (first || ' ' || last) STORED,
    email app.email,
    mood app.mood,
    address app.address,
    tags hstore,
    path ltree,
    span app.floatrange,
    name_ci text COLLATE app.ci,
    name_posix text COLLATE app.posix,
    token bytea DEFAULT gen_random_bytes(8),
    uid uuid DEFAULT uuid_generate_v4(),
    score app.positive DEFAULT 1,
    updated timestamptz
);
CREATE TRIGGER person_touch BEFORE UPDATE ON app.person FOR EACH ROW EXECUTE FUNCTION app.touch();
CREATE INDEX person_trgm_idx ON app.person USING gin (last gin_trgm_ops);
CREATE INDEX person_lower_idx ON app.person (lower(first)) WHERE mood <> 'sad';
CREATE STATISTICS app.person_stats (dependencies, ndistinct) ON first, last FROM app.person;
INSERT INTO app.person (first, last, email, mood, address, tags, path, span, name_ci, name_posix, score, updated)
    SELECT 'F' || i, CASE WHEN i % 5 = 0 THEN 'Müller' ELSE 'L' || i END, 'p' || i || '@example.org',
           (ARRAY['sad', 'ok', 'happy', 'it''s "complicated"'])[1 + i % 4]::app.mood,
           ROW('street ' || i, 'city', lpad(i::text, 5, '0'))::app.address,
           hstore('k', i::text), ('top.n' || i)::ltree, app.floatrange(i, i + 0.5),
           'Name' || i, 'n' || i, 1 + i % 9, timestamptz '2026-01-01 00:00:00+00' + i * interval '1 hour'
    FROM generate_series(1, 1200) i;
INSERT INTO app.person (first, last, email, mood) VALUES (E'tab\there', E'line\nbreak', NULL, NULL);
COMMENT ON TABLE app.person IS 'people';
COMMENT ON COLUMN app.person.full_name IS 'generated from first and last';
GRANT SELECT (id, full_name) ON app.person TO reader;
GRANT UPDATE (email, mood) ON app.person TO writer;

-- deferrable foreign keys (a cycle only a deferred check can fill)
CREATE TABLE app.parent (id int PRIMARY KEY, favourite_child int);
CREATE TABLE app.child (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES app.parent DEFERRABLE INITIALLY DEFERRED);
ALTER TABLE app.parent ADD CONSTRAINT parent_favourite_fk FOREIGN KEY (favourite_child) REFERENCES app.child DEFERRABLE INITIALLY IMMEDIATE;
BEGIN;
SET CONSTRAINTS ALL DEFERRED;
INSERT INTO app.parent SELECT i, i FROM generate_series(1, 200) i;
INSERT INTO app.child SELECT i, i FROM generate_series(1, 200) i;
COMMIT;

-- views and materialized views owned by a non-superuser, a rule
CREATE VIEW app.person_names AS SELECT id, full_name FROM app.person WHERE mood IS NOT NULL;
CREATE MATERIALIZED VIEW app.payment_totals AS SELECT region, count(*) AS n, sum(amount) AS total FROM app.payment GROUP BY region;
CREATE UNIQUE INDEX payment_totals_region ON app.payment_totals (region);
CREATE MATERIALIZED VIEW app.not_populated AS SELECT id FROM app.person WITH NO DATA;
CREATE TABLE app.audit (id bigserial PRIMARY KEY, what text, at timestamptz DEFAULT now());
CREATE RULE person_names_insert AS ON INSERT TO app.person_names DO INSTEAD INSERT INTO app.audit (what) VALUES ('tried to insert ' || NEW.full_name);
GRANT SELECT ON app.person_names, app.payment_totals TO reader;
COMMENT ON VIEW app.person_names IS 'names of people with a mood';

-- row-level security with FORCE, policies for several roles
CREATE TABLE app.doc (id int PRIMARY KEY, owner_name text NOT NULL, body text);
INSERT INTO app.doc SELECT i, (ARRAY['reader', 'writer'])[1 + i % 2], 'doc ' || i FROM generate_series(1, 300) i;
ALTER TABLE app.doc ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.doc FORCE ROW LEVEL SECURITY;
CREATE POLICY doc_read ON app.doc FOR SELECT TO reader USING (owner_name = current_user);
CREATE POLICY doc_write ON app.doc FOR ALL TO writer, "DBA Team" USING (true) WITH CHECK (owner_name IS NOT NULL);
CREATE POLICY doc_owner ON app.doc AS RESTRICTIVE FOR ALL TO corpus_owner USING (true);
COMMENT ON POLICY doc_read ON app.doc IS 'readers see their own documents';
GRANT SELECT ON app.doc TO reader;
GRANT SELECT, INSERT, UPDATE, DELETE ON app.doc TO writer;

-- sequences with odd state
CREATE SEQUENCE app.countdown INCREMENT BY -3 MINVALUE -1000 MAXVALUE 10 START WITH 4 CACHE 4 CYCLE;
SELECT setval('app.countdown', -998, false);
CREATE SEQUENCE app.never_called AS smallint START WITH 42;
CREATE SEQUENCE app.called START WITH 1;
SELECT nextval('app.called') FROM generate_series(1, 17);
GRANT USAGE ON SEQUENCE app.called TO writer;

-- unlogged table, exclusion constraint, jsonb
CREATE UNLOGGED TABLE app.cache (k text PRIMARY KEY, v jsonb, during tstzrange, EXCLUDE USING gist (k WITH =, during WITH &&));
INSERT INTO app.cache SELECT 'k' || i, jsonb_build_object('i', i, 'nested', jsonb_build_array(i, 'x')), tstzrange(now() - interval '1 day', NULL) FROM generate_series(1, 100) i;

-- publications (FOR TABLE with a row filter, FOR TABLES IN SCHEMA)
RESET ROLE;
CREATE PUBLICATION corpus_pub FOR TABLE app.person, app.doc WHERE (id > 10) WITH (publish = 'insert, update');
CREATE PUBLICATION corpus_schema_pub FOR TABLES IN SCHEMA "Sales Data";
ALTER PUBLICATION corpus_pub OWNER TO corpus_owner;

-- a foreign server, user mapping and foreign table
CREATE SERVER elsewhere FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '127.0.0.1', dbname 'nowhere');
CREATE USER MAPPING FOR reader SERVER elsewhere OPTIONS (user 'reader');
CREATE FOREIGN TABLE app.remote_things (id int, name text) SERVER elsewhere OPTIONS (table_name 'things');

-- an event trigger (superuser only)
CREATE FUNCTION app.on_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$BEGIN NULL; END$$;
CREATE EVENT TRIGGER corpus_ddl ON ddl_command_end EXECUTE FUNCTION app.on_ddl();
COMMENT ON EVENT TRIGGER corpus_ddl IS 'does nothing, exists';

-- names with spaces, quotes, dots, capitals, non-ASCII, reserved words, 63 bytes; owned by "DBA Team"
CREATE TABLE "Sales Data"."Orders ""2024""" ("Order #" int PRIMARY KEY, "Customer Name" text, "select" text, total numeric);
ALTER TABLE "Sales Data"."Orders ""2024""" OWNER TO "DBA Team";
INSERT INTO "Sales Data"."Orders ""2024""" SELECT i, 'Cüstömer ' || i, 'x', i * 10 FROM generate_series(1, 250) i;
GRANT SELECT ON "Sales Data"."Orders ""2024""" TO reader;
CREATE TABLE "a.b"."x.y" (id int PRIMARY KEY, "a.b" text);
INSERT INTO "a.b"."x.y" VALUES (1, 'dot'), (2, 'dots.');
CREATE TABLE "Ünïcødé"."Tëst tàble ☃" ("clé" text PRIMARY KEY, "値" int);
INSERT INTO "Ünïcødé"."Tëst tàble ☃" VALUES ('un', 1), ('deux', 2), ('☃', 3);
CREATE TABLE "user"."select" (id int PRIMARY KEY, "from" text, "TABLE" text);
INSERT INTO "user"."select" VALUES (1, 'where', 'group');
CREATE TABLE public."TABLE ATTACH" (id int PRIMARY KEY);
INSERT INTO public."TABLE ATTACH" VALUES (1);
CREATE TABLE public.t_team (id int PRIMARY KEY, note text);
ALTER TABLE public.t_team OWNER TO "DBA Team";
INSERT INTO public.t_team VALUES (1, 'owned by a role with a space');
-- 63 bytes, ASCII, and 63 bytes of two-byte characters plus one
CREATE TABLE public.t_abcdefghijklmnopqrstuvwxyz_abcdefghijklmnopqrstuvwxyz_0123456 (id int PRIMARY KEY);
INSERT INTO public.t_abcdefghijklmnopqrstuvwxyz_abcdefghijklmnopqrstuvwxyz_0123456 VALUES (63);
CREATE TABLE public."ééééééééééééééééééééééééééééééée" (id int PRIMARY KEY, "ÀÀÀÀÀÀÀÀÀÀÀÀÀÀÀÀÀÀÀÀÀÀÀÀÀÀÀÀÀÀÀa" text);
INSERT INTO public."ééééééééééééééééééééééééééééééée" VALUES (1, 'long');
-- a partition attached after the fact, in a schema with a space
CREATE TABLE "Sales Data".ledger (at date NOT NULL, amount numeric) PARTITION BY RANGE (at);
CREATE TABLE "Sales Data"."ledger 2026" (at date NOT NULL, amount numeric);
INSERT INTO "Sales Data"."ledger 2026" VALUES ('2026-03-01', 1.5), ('2026-07-01', 2.5);
ALTER TABLE "Sales Data".ledger ATTACH PARTITION "Sales Data"."ledger 2026" FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
ALTER TABLE "Sales Data".ledger OWNER TO "DBA Team";
ALTER TABLE "Sales Data"."ledger 2026" OWNER TO "DBA Team";

-- large objects with owners, grants and comments
SELECT lo_from_bytea(424242, convert_to('the first large object', 'UTF8'));
SELECT lo_from_bytea(424243, decode(repeat('00ff', 5000), 'hex'));
SELECT lo_from_bytea(424244, ''::bytea);
ALTER LARGE OBJECT 424242 OWNER TO writer;
ALTER LARGE OBJECT 424243 OWNER TO corpus_owner;
GRANT SELECT ON LARGE OBJECT 424242 TO reader;
GRANT SELECT, UPDATE ON LARGE OBJECT 424243 TO "DBA Team";
COMMENT ON LARGE OBJECT 424242 IS 'a scanned form';
CREATE TABLE app.attachment (id int PRIMARY KEY, blob oid);
INSERT INTO app.attachment VALUES (1, 424242), (2, 424243), (3, 424244);
ALTER TABLE app.attachment OWNER TO corpus_owner;

ANALYZE;
