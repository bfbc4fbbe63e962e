-- operations/school_user/SchoolDashboard.graphql as one statement: the school user's own
-- school (:school_urn) with its current ECTs and mentors and its partnerships, in the
-- gateway's orders (started_on then id; partnerships by contract period then id).
-- Global ids are base64 of "Type:id"; enums are the stored values upper-cased.
SELECT json_build_object('school', (
  SELECT json_build_object(
    'id', encode(convert_to('School:' || s.id, 'UTF8'), 'base64'),
    'urn', s.urn,
    'name', s.name,
    'eligible', s.status = 'open' AND s.in_england AND (
      s.type NOT IN ('other_independent_school', 'other_independent_special_school',
                     'further_education', 'welsh_establishment', 'british_school_overseas')
      OR (s.type IN ('other_independent_school', 'other_independent_special_school')
          AND s.section_41_approved)),
    'inductionTutorName', s.induction_tutor_name,
    'inductionTutorEmail', s.induction_tutor_email,
    'ectAtSchoolPeriods', COALESCE((
      SELECT json_agg(json_build_object(
        'id', encode(convert_to('ECTAtSchoolPeriod:' || e.id, 'UTF8'), 'base64'),
        'startedOn', e.started_on,
        'email', e.email,  -- readable: the school's own ECT, period open
        'workingPattern', upper(e.working_pattern),
        'participantStatus', CASE
          WHEN e.started_on > :today THEN 'JOINING'
          WHEN e.finished_on IS NULL THEN 'ACTIVE'
          WHEN e.finished_on >= :today THEN 'LEAVING'
          ELSE 'LEFT' END,
        'teacher', json_build_object(
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
                         WHERE i.teacher_id = t.id AND i.finished_on IS NULL) THEN 'IN_PROGRESS'
            WHEN EXISTS (SELECT 1 FROM induction_periods i WHERE i.teacher_id = t.id)
              THEN 'PAUSED'
            ELSE 'NOT_STARTED' END),
        'schoolReportedAppropriateBody', (
          SELECT json_build_object(
            'id', encode(convert_to('AppropriateBody:' || ab.id, 'UTF8'), 'base64'),
            'name', ab.name)
          FROM appropriate_bodies ab WHERE ab.id = e.school_reported_appropriate_body_id),
        'mentorshipPeriods', COALESCE((
          SELECT json_agg(json_build_object(
            'id', encode(convert_to('MentorshipPeriod:' || mp.id, 'UTF8'), 'base64'),
            'finishedOn', mp.finished_on,
            'mentor', (
              SELECT json_build_object(
                'id', encode(convert_to('MentorAtSchoolPeriod:' || m.id, 'UTF8'), 'base64'),
                'teacher', json_build_object(
                  'id', encode(convert_to('Teacher:' || mt.id, 'UTF8'), 'base64'),
                  'fullName', COALESCE(mt.corrected_name,
                                       mt.trs_first_name || ' ' || mt.trs_last_name)))
              FROM mentor_at_school_periods m JOIN teachers mt ON mt.id = m.teacher_id
              WHERE m.id = mp.mentor_at_school_period_id AND m.school_id = s.id))
            ORDER BY mp.started_on, mp.id)
          FROM mentorship_periods mp WHERE mp.ect_at_school_period_id = e.id), '[]'),
        'trainingPeriods', COALESCE((
          SELECT json_agg(json_build_object(
            'id', encode(convert_to('TrainingPeriod:' || tp.id, 'UTF8'), 'base64'),
            'startedOn', tp.started_on,
            'finishedOn', tp.finished_on,
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
                 WHERE sp.id = tp.school_partnership_id AND sp.school_id = s.id),
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
              WHERE sp.id = tp.school_partnership_id AND sp.school_id = s.id))
            ORDER BY tp.started_on, tp.id)
          FROM training_periods tp WHERE tp.ect_at_school_period_id = e.id), '[]'))
        ORDER BY e.started_on, e.id)
      FROM ect_at_school_periods e JOIN teachers t ON t.id = e.teacher_id
      WHERE e.school_id = s.id AND e.finished_on IS NULL), '[]'),
    'mentorAtSchoolPeriods', COALESCE((
      SELECT json_agg(json_build_object(
        'id', encode(convert_to('MentorAtSchoolPeriod:' || m.id, 'UTF8'), 'base64'),
        'startedOn', m.started_on,
        'teacher', json_build_object(
          'id', encode(convert_to('Teacher:' || t.id, 'UTF8'), 'base64'),
          'trn', t.trn,
          'fullName', COALESCE(t.corrected_name, t.trs_first_name || ' ' || t.trs_last_name)),
        'mentorshipPeriods', COALESCE((
          SELECT json_agg(json_build_object(
            'id', encode(convert_to('MentorshipPeriod:' || mp.id, 'UTF8'), 'base64'),
            'finishedOn', mp.finished_on,
            'mentee', (
              SELECT json_build_object(
                'id', encode(convert_to('ECTAtSchoolPeriod:' || e.id, 'UTF8'), 'base64'),
                'teacher', json_build_object(
                  'id', encode(convert_to('Teacher:' || et.id, 'UTF8'), 'base64'),
                  'fullName', COALESCE(et.corrected_name,
                                       et.trs_first_name || ' ' || et.trs_last_name)))
              FROM ect_at_school_periods e JOIN teachers et ON et.id = e.teacher_id
              WHERE e.id = mp.ect_at_school_period_id AND e.school_id = s.id))
            ORDER BY mp.started_on, mp.id)
          FROM mentorship_periods mp
          WHERE mp.mentor_at_school_period_id = m.id
            -- a school sees the mentorships of its own ECT periods
            AND EXISTS (SELECT 1 FROM ect_at_school_periods e
                        WHERE e.id = mp.ect_at_school_period_id AND e.school_id = s.id)),
          '[]'))
        ORDER BY m.started_on, m.id)
      FROM mentor_at_school_periods m JOIN teachers t ON t.id = m.teacher_id
      WHERE m.school_id = s.id AND m.finished_on IS NULL), '[]'),
    'partnerships', COALESCE((
      SELECT json_agg(json_build_object(
        'id', encode(convert_to('SchoolPartnership:' || sp.id, 'UTF8'), 'base64'),
        'cohort', sp.contract_period_year,
        'leadProvider', json_build_object(
          'id', encode(convert_to('LeadProvider:' || lp.id, 'UTF8'), 'base64'),
          'name', lp.name),
        'deliveryPartner', json_build_object(
          'id', encode(convert_to('DeliveryPartner:' || dp.id, 'UTF8'), 'base64'),
          'name', dp.name))
        ORDER BY sp.contract_period_year, sp.id)
      FROM school_partnerships sp
      JOIN lead_provider_delivery_partnerships lpdp
        ON lpdp.id = sp.lead_provider_delivery_partnership_id
      JOIN active_lead_providers alp ON alp.id = lpdp.active_lead_provider_id
      JOIN lead_providers lp ON lp.id = alp.lead_provider_id
      JOIN delivery_partners dp ON dp.id = lpdp.delivery_partner_id
      WHERE sp.school_id = s.id), '[]'))
  FROM schools s WHERE s.urn = :urn AND s.urn = :school_urn))::text
