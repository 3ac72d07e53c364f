-- The read-only floor of a timeline page: the next 100 entries of a 10,000-entry patient after a random key (keyset
-- paging on an index), with no access record. (timeline.sql is the same work.)
\set after random(0, 9900)
SELECT data FROM baseline.entries
  WHERE patient = '00000000-0000-4000-8000-00000000beef' AND sort_key > lpad(:after::text, 10, '0')
  ORDER BY sort_key LIMIT 100;
