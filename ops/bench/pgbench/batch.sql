-- One 500-entry import, the same work as EventHealth's: bump the stream's version by 500, insert the 500 events and
-- their 500 timeline rows (one statement each) and the request's access record, commit. (batch-events.sql is the
-- events-only floor measured beside it.)
BEGIN;
INSERT INTO baseline.streams (id, version) VALUES (md5('batch' || :client_id::text)::uuid, 500)
  ON CONFLICT (id) DO UPDATE SET version = baseline.streams.version + 500 RETURNING version AS v \gset
INSERT INTO baseline.events (stream, version, data)
  SELECT md5('batch' || :client_id::text)::uuid, :v - 500 + g,
    jsonb_build_object('type', 'episode', 'entryId', gen_random_uuid(), 'occurredAt', '2025-01-01T00:01:00Z',
      'bodyRegions', jsonb_build_array('calf'), 'side', 'left', 'intensity', g % 11, 'durationSeconds', 30, 'visible', false, 'painful', false)
  FROM generate_series(1, 500) AS g;
INSERT INTO baseline.entries (patient, sort_key, data)
  SELECT md5('batch' || :client_id::text)::uuid, lpad((:v - 500 + g)::text, 10, '0'),
    jsonb_build_object('type', 'episode', 'entryId', gen_random_uuid(), 'occurredAt', '2025-01-01T00:01:00Z', 'recordedAt', '2025-01-01T00:02:00Z',
      'data', jsonb_build_object('bodyRegions', jsonb_build_array('calf'), 'side', 'left', 'intensity', g % 11, 'durationSeconds', 30, 'visible', false, 'painful', false))
  FROM generate_series(1, 500) AS g;
INSERT INTO baseline.access (id, patient, at, data) VALUES (gen_random_uuid(), md5('batch' || :client_id::text)::uuid, now(),
  '{"actor": "patient", "role": "patient", "method": "POST", "route": "/api/patients/{patientId}/entries/batch", "status": 200, "outcome": "allowed", "correlationId": "0af7651916cd43dd8448eb211c80319c"}');
END;
