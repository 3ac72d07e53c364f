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
