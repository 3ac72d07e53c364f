-- (A space after each JSON colon: pgbench reads ":name" as a variable.)
-- The events-only floor of a single-entry append: bump the stream's version, insert the event as jsonb, commit. One
-- stream per client. (Less than EventHealth must do: append.sql is the same work.)
BEGIN;
INSERT INTO baseline.streams (id, version) VALUES (md5(:client_id::text)::uuid, 1)
  ON CONFLICT (id) DO UPDATE SET version = baseline.streams.version + 1 RETURNING version AS v \gset
INSERT INTO baseline.events (stream, version, data) VALUES (md5(:client_id::text)::uuid, :v,
  '{"entryId": "00000001-0000-4000-8000-000000000001", "occurredAt": "2025-01-01T00:01:00Z", "bodyRegions": ["calf", "eyelid"], "side": "left", "intensity": 4, "durationSeconds": 30, "visible": true, "painful": false}');
END;
