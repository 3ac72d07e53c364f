set client_min_messages = warning;
-- Tables for the raw-PostgreSQL baseline: what EventHealth does for the same work, with nothing in between.
drop schema if exists baseline cascade;
create schema baseline;
create table baseline.streams (id uuid primary key, version bigint not null);
create table baseline.events (
  seq bigserial primary key,
  stream uuid not null,
  version bigint not null,
  data jsonb not null,
  recorded_at timestamptz not null default now(),
  unique (stream, version));
create table baseline.entries (patient uuid not null, sort_key text not null, data jsonb not null, primary key (patient, sort_key));
-- The access record every request writes (issue 11), with the two lookups the audit answers by: a patient's, a period's.
create table baseline.access (id uuid primary key, patient uuid, at timestamptz not null, data jsonb not null);
create index on baseline.access (patient);
create index on baseline.access (at);
