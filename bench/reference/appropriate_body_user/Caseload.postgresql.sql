-- operations/appropriate_body_user/Caseload.graphql as one statement: the body's
-- (:appropriate_body_id) induction periods, open or finished as :current says, oldest
-- first (started_on, id), a page of :first with the gateway's cursors (URL-safe base64
-- of the JSON [started_on, id]) and each teacher's ECT periods and their training.
WITH page AS (
  SELECT ip.*, row_number() OVER (ORDER BY ip.started_on, ip.id) AS n
  FROM induction_periods ip
  WHERE ip.appropriate_body_id = :appropriate_body_id
    AND (CAST(:current AS boolean) IS NULL
         OR (ip.finished_on IS NULL) = CAST(:current AS boolean))
  ORDER BY ip.started_on, ip.id
  LIMIT CAST(:first AS integer) + 1
), shown AS (
  SELECT page.*,
    replace(translate(encode(convert_to(
      '["' || page.started_on || '",' || page.id || ']', 'UTF8'), 'base64'), '+/', '-_'),
      E'\n', '') AS cursor
  FROM page WHERE n <= CAST(:first AS integer)
)
SELECT json_build_object('inductionPeriods', json_build_object(
  'pageInfo', json_build_object(
    'hasNextPage', (SELECT count(*) FROM page) > CAST(:first AS integer),
    'endCursor', (SELECT cursor FROM shown ORDER BY n DESC LIMIT 1)),
  'edges', COALESCE((
    SELECT json_agg(json_build_object(
      'cursor', ip.cursor,
      'node', json_build_object(
        'id', encode(convert_to('InductionPeriod:' || ip.id, 'UTF8'), 'base64'),
        'startedOn', ip.started_on,
        'finishedOn', ip.finished_on,
        'numberOfTerms', ip.number_of_terms::text,
        'outcome', upper(ip.outcome),
        'current', ip.finished_on IS NULL,
        'appropriateBody', (
          SELECT json_build_object(
            'id', encode(convert_to('AppropriateBody:' || ab.id, 'UTF8'), 'base64'),
            'name', ab.name)
          FROM appropriate_bodies ab WHERE ab.id = ip.appropriate_body_id),
        'teacher', (
          SELECT json_build_object(
            'id', encode(convert_to('Teacher:' || t.id, 'UTF8'), 'base64'),
            'trn', t.trn,
            'fullName', COALESCE(t.corrected_name, t.trs_first_name || ' ' || t.trs_last_name),
            'inductionStatus', CASE
              WHEN EXISTS (SELECT 1 FROM induction_periods i
                           WHERE i.teacher_id = t.id AND i.outcome = 'pass') THEN 'PASSED'
              WHEN EXISTS (SELECT 1 FROM induction_periods i
                           WHERE i.teacher_id = t.id AND i.outcome = 'fail') THEN 'FAILED'
              WHEN t.trs_induction_status = 'Exempt' THEN 'EXEMPT'
              WHEN EXISTS (SELECT 1 FROM induction_periods i
                           WHERE i.teacher_id = t.id AND i.finished_on IS NULL)
                THEN 'IN_PROGRESS'
              WHEN EXISTS (SELECT 1 FROM induction_periods i WHERE i.teacher_id = t.id)
                THEN 'PAUSED'
              ELSE 'NOT_STARTED' END,
            'ectAtSchoolPeriods', COALESCE((
              SELECT json_agg(json_build_object(
                'id', encode(convert_to('ECTAtSchoolPeriod:' || e.id, 'UTF8'), 'base64'),
                'startedOn', e.started_on,
                'finishedOn', e.finished_on,
                -- readable while the period lasts and the body supervises the ECT now
                'email', CASE WHEN (e.finished_on IS NULL OR e.finished_on >= :today)
                    AND EXISTS (SELECT 1 FROM induction_periods i
                                WHERE i.teacher_id = e.teacher_id
                                  AND i.appropriate_body_id = :appropriate_body_id
                                  AND i.finished_on IS NULL)
                  THEN e.email END,
                'school', (
                  SELECT json_build_object(
                    'id', encode(convert_to('School:' || s.id, 'UTF8'), 'base64'),
                    'urn', s.urn,
                    'name', s.name)
                  FROM schools s WHERE s.id = e.school_id),
                'trainingPeriods', COALESCE((
                  SELECT json_agg(json_build_object(
                    'id', encode(convert_to('TrainingPeriod:' || tp.id, 'UTF8'), 'base64'),
                    'trainingProgramme', upper(tp.training_programme),
                    'trainingStatus', CASE
                      WHEN tp.withdrawn_at IS NOT NULL
                           AND (tp.deferred_at IS NULL OR tp.withdrawn_at >= tp.deferred_at)
                        THEN 'WITHDRAWN'
                      WHEN tp.deferred_at IS NOT NULL THEN 'DEFERRED'
                      ELSE 'ACTIVE' END,
                    -- The partnership's provider, else the expression of interest's.
                    'leadProvider', (
                      SELECT json_build_object(
                        'id', encode(convert_to('LeadProvider:' || lp.id, 'UTF8'), 'base64'),
                        'name', lp.name)
                      FROM lead_providers lp
                      WHERE lp.id = COALESCE(
                        (SELECT alp.lead_provider_id
                         FROM school_partnerships sp
                         JOIN lead_provider_delivery_partnerships lpdp
                           ON lpdp.id = sp.lead_provider_delivery_partnership_id
                         JOIN active_lead_providers alp ON alp.id = lpdp.active_lead_provider_id
                         WHERE sp.id = tp.school_partnership_id),
                        (SELECT alp.lead_provider_id FROM active_lead_providers alp
                         WHERE alp.id = tp.expression_of_interest_id))),
                    'deliveryPartner', (
                      SELECT json_build_object(
                        'id', encode(convert_to('DeliveryPartner:' || dp.id, 'UTF8'), 'base64'),
                        'name', dp.name)
                      FROM school_partnerships sp
                      JOIN lead_provider_delivery_partnerships lpdp
                        ON lpdp.id = sp.lead_provider_delivery_partnership_id
                      JOIN delivery_partners dp ON dp.id = lpdp.delivery_partner_id
                      WHERE sp.id = tp.school_partnership_id))
                    ORDER BY tp.started_on, tp.id)
                  FROM training_periods tp WHERE tp.ect_at_school_period_id = e.id), '[]'))
                ORDER BY e.started_on, e.id)
              FROM ect_at_school_periods e WHERE e.teacher_id = t.id), '[]'))
          FROM teachers t WHERE t.id = ip.teacher_id)))
      ORDER BY ip.n)
    FROM shown ip), '[]')))::text
