-- Seeds :patients records with :days days of entries each, straight into Marten's tables (no projections run), every
-- event stamped with the moment it was recorded so that a backtest sees each record as it stood on each past day.
-- The history ends two days ago, so every day of it is closed in every time zone.
-- Per record and day: 0-3 twitch episodes, an intake entry most days, a stress trigger every third day; some days are
-- synced a day late. Red flags for a few records: weakness on two days (1 in 50), a single atrophy report (1 in 70,
-- which only the candidate rule alerts on), a balance problem (1 in 100).
\set ON_ERROR_STOP on
create temporary table seed_patients as
select gen_random_uuid() as id, n,
       case when n % 3 = 0 then 'Europe/Paris' else 'America/New_York' end as zone
from generate_series(1, :patients) n;

create temporary table seed_events (stream_id uuid, n int, recorded timestamptz, kind text, data jsonb);

insert into seed_events
select id, n, current_date - (:days + 2) + time '08:00', 'patient_enrolled',
       jsonb_build_object('patientId', id, 'displayName', 'Bench', 'email', 'bench@example.org', 'timeZone', zone,
                          'clinicianEmail', null, 'alertEmails', false)
from seed_patients;

-- Entries: (record, day, slot) → one entry; the slot decides its kind.
insert into seed_events
select p.id, p.n,
       t.occurred + case when (p.n + d) % 10 = 0 then interval '1 day' else interval '1 hour' end,
       case when s.slot <= 3 then 'twitch_episode_recorded' when s.slot = 4 then 'intake_logged' else 'trigger_reported' end,
       case when s.slot <= 3 then jsonb_build_object('entryId', gen_random_uuid(), 'occurredAt', t.iso, 'bodyRegions', jsonb_build_array('Calf'),
                                                     'side', 'Left', 'intensity', 1 + (p.n + d + s.slot) % 8, 'durationSeconds', 30,
                                                     'visible', false, 'painful', false)
            when s.slot = 4 then jsonb_build_object('entryId', gen_random_uuid(), 'occurredAt', t.iso, 'waterMl', 1500, 'caffeineMg', null)
            else jsonb_build_object('entryId', gen_random_uuid(), 'occurredAt', t.iso, 'kind', 'Stress', 'level', 5, 'details', null) end
from seed_patients p
cross join generate_series(0, :days - 1) d
cross join generate_series(1, 5) s(slot)
cross join lateral (select current_date - (:days + 1) + d + time '12:00' + s.slot * interval '5 minutes' as occurred) o
cross join lateral (select o.occurred, to_char(o.occurred at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"') as iso) t
where (s.slot <= 3 and s.slot <= (p.n * 7 + d * 13) % 4)
   or (s.slot = 4 and (p.n + d) % 5 <> 0)
   or (s.slot = 5 and (p.n + d) % 3 = 0);

insert into seed_events
select p.id, p.n, o.occurred + interval '1 hour', 'neurological_symptom_reported',
       jsonb_build_object('entryId', gen_random_uuid(), 'occurredAt', to_char(o.occurred at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"'),
                          'kind', f.kind, 'bodyRegion', null, 'severity', 6)
from seed_patients p
cross join (values (50, 60, 'MuscleWeakness'), (50, 65, 'MuscleWeakness'), (70, 40, 'MuscleAtrophy'), (100, 80, 'BalanceProblem')) f(every, day, kind)
cross join lateral (select current_date - (:days + 1) + least(f.day, :days - 1) + time '18:00' as occurred) o
where p.n % f.every = 0;

insert into eventhealth.mt_streams (id, type, version, timestamp, created)
select stream_id, 'patient_record', count(*), max(recorded), min(recorded) from seed_events group by stream_id;

insert into eventhealth.mt_events (seq_id, id, stream_id, version, data, type, timestamp, mt_dotnet_type, headers, user_name)
select nextval('eventhealth.mt_events_sequence'), gen_random_uuid(), stream_id,
       row_number() over (partition by stream_id order by recorded, kind <> 'patient_enrolled', data ->> 'entryId'),
       data, kind, recorded,
       'EventHealth.Recording.' || replace(initcap(replace(kind, '_', ' ')), ' ', '') || ', EventHealth.Api',
       jsonb_build_object('clientId', 'bench', 'recordedAt', to_char(recorded at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"')),
       'patient:' || stream_id
from seed_events
order by recorded;

insert into eventhealth.mt_doc_patientrecord (id, data, mt_dotnet_type, mt_version)
select id, jsonb_build_object('id', id, 'displayName', 'Bench', 'email', 'bench@example.org', 'timeZone', zone,
                              'enrollmentFingerprint', 'bench', 'alertEmails', false),
       'EventHealth.Recording.PatientRecord', 1
from seed_patients;

analyze eventhealth.mt_events;
analyze eventhealth.mt_streams;
analyze eventhealth.mt_doc_patientrecord;
