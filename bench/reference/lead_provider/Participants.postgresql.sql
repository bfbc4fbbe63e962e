-- operations/lead_provider/Participants.graphql (no filters) as one statement: the
-- participants of lead provider :lead_provider_id (teachers with a training period in
-- one of its partnerships or expressions of interest), least recently updated first
-- (api_updated_at, id), a page of :first with the gateway's cursors, each with its
-- latest ECT and latest mentor training with the provider (ECT first). Instants are
-- rendered by PostgreSQL in UTC (the seed's are whole seconds, as Python prints them).
WITH partnerships AS (
  SELECT sp.id, sp.contract_period_year, lpdp.delivery_partner_id
  FROM school_partnerships sp
  JOIN lead_provider_delivery_partnerships lpdp
    ON lpdp.id = sp.lead_provider_delivery_partnership_id
  JOIN active_lead_providers alp ON alp.id = lpdp.active_lead_provider_id
  WHERE alp.lead_provider_id = :lead_provider_id
), ours AS (
  SELECT tp.* FROM training_periods tp
  WHERE tp.school_partnership_id IN (SELECT id FROM partnerships)
     OR tp.expression_of_interest_id IN (
       SELECT alp.id FROM active_lead_providers alp
       WHERE alp.lead_provider_id = :lead_provider_id)
), page AS (
  SELECT t.*, row_number() OVER (ORDER BY t.api_updated_at, t.id) AS n
  FROM teachers t
  WHERE EXISTS (SELECT 1 FROM ours o WHERE o.teacher_id = t.id)
  ORDER BY t.api_updated_at, t.id
  LIMIT CAST(:first AS integer) + 1
), shown AS (
  SELECT page.*,
    replace(translate(encode(convert_to(
      '["' || (to_json(page.api_updated_at) #>> '{}') || '",' || page.id || ']', 'UTF8'),
      'base64'), '+/', '-_'), E'\n', '') AS cursor
  FROM page WHERE n <= CAST(:first AS integer)
), latest AS (
  -- the latest (started_on, id) training of each participant type, found per teacher
  SELECT o.* FROM shown t CROSS JOIN LATERAL (
    SELECT DISTINCT ON (tp.ect_at_school_period_id IS NULL) tp.*
    FROM training_periods tp
    WHERE tp.teacher_id = t.id
      AND (tp.school_partnership_id IN (SELECT id FROM partnerships)
           OR tp.expression_of_interest_id IN (
             SELECT alp.id FROM active_lead_providers alp
             WHERE alp.lead_provider_id = :lead_provider_id))
    ORDER BY tp.ect_at_school_period_id IS NULL, tp.started_on DESC, tp.id DESC) o
), enrolment AS MATERIALIZED (
  SELECT tp.teacher_id, tp.ect_at_school_period_id IS NULL AS is_mentor,
    json_build_object(
      'id', encode(convert_to('TrainingPeriod:' || tp.id, 'UTF8'), 'base64'),
      'trainingRecordId', CASE WHEN e.id IS NOT NULL THEN t.api_ect_training_record_id
                               ELSE t.api_mentor_training_record_id END,
      -- readable while the provider trains them now on this school period
      'email', CASE WHEN EXISTS (
          SELECT 1 FROM training_periods o
          WHERE (o.ect_at_school_period_id = tp.ect_at_school_period_id
                 OR o.mentor_at_school_period_id = tp.mentor_at_school_period_id)
            AND (o.finished_on IS NULL OR o.finished_on >= :today)
            AND (o.school_partnership_id IN (SELECT id FROM partnerships)
                 OR o.expression_of_interest_id IN (
                   SELECT alp.id FROM active_lead_providers alp
                   WHERE alp.lead_provider_id = :lead_provider_id)))
        THEN COALESCE(e.email, m.email) END,
      -- the ECT's open mentorship (else the one that finished last): its mentor
      'mentorId', (
        SELECT mt.api_id FROM mentorship_periods mp
        JOIN mentor_at_school_periods mm ON mm.id = mp.mentor_at_school_period_id
        JOIN teachers mt ON mt.id = mm.teacher_id
        WHERE mp.ect_at_school_period_id = tp.ect_at_school_period_id
        ORDER BY mp.finished_on IS NULL DESC, mp.finished_on DESC, mp.started_on DESC
        LIMIT 1),
      'schoolUrn', s.urn,
      'participantType', CASE WHEN e.id IS NOT NULL THEN 'ECT' ELSE 'MENTOR' END,
      'cohort', COALESCE(sc.contract_period_year, sp.contract_period_year),
      'trainingStatus', CASE
        WHEN tp.withdrawn_at IS NOT NULL
             AND (tp.deferred_at IS NULL OR tp.withdrawn_at >= tp.deferred_at)
          THEN 'WITHDRAWN'
        WHEN tp.deferred_at IS NOT NULL THEN 'DEFERRED'
        ELSE 'ACTIVE' END,
      'participantStatus', CASE
        WHEN t.mentor_became_ineligible_for_funding_on IS NOT NULL
             OR induction.completed_on IS NOT NULL THEN 'ACTIVE'
        WHEN tp.started_on > :today THEN 'JOINING'
        WHEN tp.finished_on IS NULL THEN 'ACTIVE'
        WHEN tp.finished_on >= :today THEN 'LEAVING'
        ELSE 'LEFT' END,
      'eligibleForFunding', CASE WHEN e.id IS NOT NULL
        THEN t.ect_first_became_eligible_for_funding_at IS NOT NULL
        ELSE t.mentor_first_became_eligible_for_funding_at IS NOT NULL END,
      'pupilPremiumUplift', COALESCE(cp.uplift_fees_enabled AND f.pupil_premium_uplift, false),
      'sparsityUplift', COALESCE(cp.uplift_fees_enabled AND f.sparsity_uplift, false),
      'scheduleIdentifier', sc.identifier,
      'deliveryPartnerId', dp.api_id,
      'withdrawal', CASE
        WHEN tp.withdrawn_at IS NOT NULL
             AND (tp.deferred_at IS NULL OR tp.withdrawn_at >= tp.deferred_at)
        THEN json_build_object('reason', upper(tp.withdrawal_reason), 'date', tp.withdrawn_at)
        END,
      'deferral', CASE
        WHEN tp.deferred_at IS NOT NULL
             AND NOT (tp.withdrawn_at IS NOT NULL AND tp.withdrawn_at >= tp.deferred_at)
        THEN json_build_object('reason', upper(tp.deferral_reason), 'date', tp.deferred_at)
        END,
      'createdAt', COALESCE(e.created_at, m.created_at),
      'updatedAt', tp.updated_at,
      'startedOn', tp.started_on,
      'finishedOn', tp.finished_on,
      'workingPattern', upper(e.working_pattern),
      'inductionStartDate', induction.current_started_on,
      'inductionEndDate', induction.completed_on,
      'overallInductionStartDate', induction.first_started_on,
      'mentorFundingEndDate', CASE WHEN e.id IS NULL
        THEN t.mentor_became_ineligible_for_funding_on END,
      'mentorIneligibleForFundingReason', CASE WHEN e.id IS NULL
        THEN upper(t.mentor_became_ineligible_for_funding_reason) END,
      'cohortChangedAfterPaymentsFrozen', CASE WHEN e.id IS NOT NULL
        THEN t.ect_payments_frozen_year IS NOT NULL
        ELSE t.mentor_payments_frozen_year IS NOT NULL END,
      'school', json_build_object(
        'id', encode(convert_to('School:' || s.id, 'UTF8'), 'base64'),
        'urn', s.urn)
    ) AS json
  -- Each related row by its key (OFFSET 0 keeps these as per-row index lookups: a
  -- thousand of them cost less than hashing whole tables).
  FROM latest tp
  CROSS JOIN LATERAL (SELECT * FROM teachers WHERE id = tp.teacher_id OFFSET 0) t
  LEFT JOIN LATERAL (
    SELECT * FROM ect_at_school_periods WHERE id = tp.ect_at_school_period_id OFFSET 0
  ) e ON true
  LEFT JOIN LATERAL (
    SELECT * FROM mentor_at_school_periods WHERE id = tp.mentor_at_school_period_id OFFSET 0
  ) m ON true
  CROSS JOIN LATERAL (
    SELECT * FROM schools WHERE id = COALESCE(e.school_id, m.school_id) OFFSET 0
  ) s
  LEFT JOIN schedules sc ON sc.id = tp.schedule_id
  LEFT JOIN partnerships sp ON sp.id = tp.school_partnership_id
  LEFT JOIN delivery_partners dp ON dp.id = sp.delivery_partner_id
  LEFT JOIN contract_periods cp
    ON cp.year = COALESCE(sc.contract_period_year, sp.contract_period_year)
  LEFT JOIN LATERAL (
    SELECT * FROM school_funding
    WHERE school_id = s.id
      AND contract_period_year = COALESCE(sc.contract_period_year, sp.contract_period_year)
    OFFSET 0
  ) f ON true
  CROSS JOIN LATERAL (
    SELECT
      -- the latest induction finished with an outcome
      (SELECT i.finished_on FROM induction_periods i
       WHERE i.teacher_id = t.id AND i.finished_on IS NOT NULL AND i.outcome IS NOT NULL
       ORDER BY i.started_on DESC, i.id LIMIT 1) AS completed_on,
      -- the latest open induction, else the latest
      (SELECT i.started_on FROM induction_periods i WHERE i.teacher_id = t.id
       ORDER BY i.finished_on IS NULL DESC, i.started_on DESC, i.id DESC LIMIT 1)
        AS current_started_on,
      (SELECT i.started_on FROM induction_periods i WHERE i.teacher_id = t.id
       ORDER BY i.started_on, i.id LIMIT 1) AS first_started_on
  ) induction
), enrolments AS (
  SELECT teacher_id, json_agg(json ORDER BY is_mentor) AS list
  FROM enrolment GROUP BY teacher_id
)
SELECT json_build_object('teachers', json_build_object(
  'pageInfo', json_build_object(
    'hasNextPage', (SELECT count(*) FROM page) > CAST(:first AS integer),
    'endCursor', (SELECT cursor FROM shown ORDER BY n DESC LIMIT 1)),
  'edges', COALESCE((
    SELECT json_agg(json_build_object('node', json_build_object(
      'id', encode(convert_to('Teacher:' || t.id, 'UTF8'), 'base64'),
      'participantId', t.api_id,
      'trn', t.trn,
      'fullName', COALESCE(t.corrected_name, t.trs_first_name || ' ' || t.trs_last_name),
      'updatedAt', t.api_updated_at,
      'participantIdChanges', COALESCE((
        SELECT json_agg(json_build_object(
          'fromParticipantId', c.api_from_teacher_id,
          'toParticipantId', c.api_to_teacher_id,
          'changedAt', c.created_at) ORDER BY c.created_at, c.id)
        FROM teacher_id_changes c WHERE c.teacher_id = t.id), '[]'),
      'enrolments', COALESCE(en.list, '[]')))
      ORDER BY t.n)
    FROM shown t LEFT JOIN enrolments en ON en.teacher_id = t.id), '[]')))::text
