-- Kaizen's own database beside Temporal's, on the PostgreSQL of docker-compose.yml.
-- Runs once, when the data volume is first initialised. Kaizen creates its tables itself.
-- The password matches KAIZEN_DATABASE_URL in docker-compose.yml: change both together
-- for anything beyond a local machine.
CREATE ROLE kaizen WITH LOGIN PASSWORD 'kaizen';
CREATE DATABASE kaizen OWNER kaizen;
REVOKE ALL ON DATABASE kaizen FROM PUBLIC;
