-- One timeline page, the same work as EventHealth's: the next 100 entries of a 10,000-entry patient after a random key
-- (keyset paging on an index) and the read's access record, committed before the page counts as served (an audited
-- read, issue 11). (timeline-page.sql is the read-only floor measured beside it.)
\set after random(0, 9900)
BEGIN;
SELECT data FROM baseline.entries
  WHERE patient = '00000000-0000-4000-8000-00000000beef' AND sort_key > lpad(:after::text, 10, '0')
  ORDER BY sort_key LIMIT 100;
INSERT INTO baseline.access (id, patient, at, data) VALUES (gen_random_uuid(), '00000000-0000-4000-8000-00000000beef', now(),
  '{"actor": "auditor", "role": "auditor", "method": "GET", "route": "/api/patients/{patientId}/timeline", "status": 200, "outcome": "allowed", "correlationId": "0af7651916cd43dd8448eb211c80319c"}');
END;
