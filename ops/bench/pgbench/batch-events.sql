-- The events-only floor of a 500-entry import: bump the stream's version by 500, insert 500 jsonb events in one
-- statement, commit. (batch.sql is the same work.)
BEGIN;
INSERT INTO baseline.streams (id, version) VALUES (md5('batch' || :client_id::text)::uuid, 500)
  ON CONFLICT (id) DO UPDATE SET version = baseline.streams.version + 500 RETURNING version AS v \gset
INSERT INTO baseline.events (stream, version, data)
  SELECT md5('batch' || :client_id::text)::uuid, :v - 500 + g,
    jsonb_build_object('type', 'episode', 'entryId', gen_random_uuid(), 'occurredAt', '2025-01-01T00:01:00Z',
      'bodyRegions', jsonb_build_array('calf'), 'side', 'left', 'intensity', g % 11, 'durationSeconds', 30, 'visible', false, 'painful', false)
  FROM generate_series(1, 500) AS g;
END;
