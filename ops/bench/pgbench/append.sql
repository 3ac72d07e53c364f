-- (A space after each JSON colon: pgbench reads ":name" as a variable.)
-- One single-entry append, the same work as EventHealth's (issue 23's "raw PostgreSQL, same work"): bump the stream's
-- version, insert the event, the entry's timeline row and the request's access record, commit. One stream per client.
-- (append-events.sql is the events-only floor measured beside it.)
BEGIN;
INSERT INTO baseline.streams (id, version) VALUES (md5(:client_id::text)::uuid, 1)
  ON CONFLICT (id) DO UPDATE SET version = baseline.streams.version + 1 RETURNING version AS v \gset
INSERT INTO baseline.events (stream, version, data) VALUES (md5(:client_id::text)::uuid, :v,
  '{"entryId": "00000001-0000-4000-8000-000000000001", "occurredAt": "2025-01-01T00:01:00Z", "bodyRegions": ["calf", "eyelid"], "side": "left", "intensity": 4, "durationSeconds": 30, "visible": true, "painful": false}');
INSERT INTO baseline.entries (patient, sort_key, data) VALUES (md5(:client_id::text)::uuid, lpad(:v::text, 10, '0'),
  '{"entryId": "00000001-0000-4000-8000-000000000001", "type": "episode", "occurredAt": "2025-01-01T00:01:00Z", "recordedAt": "2025-01-01T00:02:00Z", "data": {"bodyRegions": ["calf", "eyelid"], "side": "left", "intensity": 4, "durationSeconds": 30, "visible": true, "painful": false}}');
INSERT INTO baseline.access (id, patient, at, data) VALUES (gen_random_uuid(), md5(:client_id::text)::uuid, now(),
  '{"actor": "patient", "role": "patient", "method": "POST", "route": "/api/patients/{patientId}/episodes", "status": 201, "outcome": "allowed", "correlationId": "0af7651916cd43dd8448eb211c80319c"}');
END;
