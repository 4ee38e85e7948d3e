-- The roles the fidelity corpus needs, on every cluster it is restored into.
CREATE ROLE corpus_owner LOGIN;
CREATE ROLE reader;
CREATE ROLE writer;
CREATE ROLE "DBA Team";
