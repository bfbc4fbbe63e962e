-- operations/finance/StatementView.graphql as one statement: statement :statement_id,
-- its amounts as gateway/rules/payments.py calculates them, and a page of :first of its
-- declarations (by id). Money is exact numeric until shown: round(x, 2) rounds halves
-- away from zero, as ROUND_HALF_UP does.
WITH statement AS (
  SELECT s.*, c.contract_type, c.vat_rate AS contract_vat_rate
  FROM statements s JOIN contracts c ON c.id = s.contract_id
  WHERE s.id = :statement_id
), structure AS (  -- the banded fee structure (none: nothing to pay by, amounts null)
  SELECT b.*, cp.uplift_fees_enabled
  FROM banded_fee_structures b
  JOIN statement s ON s.contract_id = b.contract_id
  JOIN contracts c ON c.id = s.contract_id
  LEFT JOIN contract_periods cp ON cp.year = c.contract_period_year
  ORDER BY b.id LIMIT 1
), bands AS (  -- A first; each band's places [floor, top), the last one unbounded
  SELECT f.*, array_position(ARRAY['A', 'B', 'C', 'D'], f.band) AS position,
    coalesce(sum(f.capacity) OVER (ORDER BY array_position(ARRAY['A', 'B', 'C', 'D'], f.band)
             ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS floor,
    CASE WHEN row_number() OVER (ORDER BY array_position(ARRAY['A', 'B', 'C', 'D'], f.band) DESC) = 1
      THEN NULL
      ELSE sum(f.capacity) OVER (ORDER BY array_position(ARRAY['A', 'B', 'C', 'D'], f.band))
    END AS top
  FROM fee_bands f JOIN structure st ON f.banded_fee_structure_id = st.id
), flat AS (
  SELECT fr.fee_per_declaration FROM flat_rate_fee_structures fr
  JOIN statement s ON s.contract_id = fr.contract_id ORDER BY fr.id LIMIT 1
), calendar AS (  -- the contract's statements in payment order
  SELECT o.id, row_number() OVER (ORDER BY o.payment_date, o.id) AS n
  FROM statements o JOIN statement s ON o.contract_id = s.contract_id
), counted AS (  -- per statement and declaration type: billable and refunded
  SELECT cal.id AS statement_id, cal.n, d.declaration_type,
    -- ittecf_ectp pays mentors at a flat rate; everything else goes through the bands
    (s.contract_type = 'ecf' OR d.participant_type = 'ect') AS banded,
    count(*) FILTER (WHERE d.payment_statement_id = cal.id
                       AND d.payment_status IN ('eligible', 'payable', 'paid')) AS billable,
    count(*) FILTER (WHERE d.clawback_statement_id = cal.id
                       AND d.clawback_status IN ('awaiting_clawback', 'clawed_back')) AS refunded,
    count(*) FILTER (WHERE d.payment_statement_id = cal.id
                       AND d.payment_status IN ('eligible', 'payable', 'paid')
                       AND d.declaration_type = 'started'
                       AND (d.pupil_premium_uplift OR d.sparsity_uplift)) AS uplift_billable,
    count(*) FILTER (WHERE d.clawback_statement_id = cal.id
                       AND d.clawback_status IN ('awaiting_clawback', 'clawed_back')
                       AND d.declaration_type = 'started'
                       AND (d.pupil_premium_uplift OR d.sparsity_uplift)) AS uplift_refunded
  FROM calendar cal
  CROSS JOIN statement s
  JOIN declarations d ON d.payment_statement_id = cal.id OR d.clawback_statement_id = cal.id
  GROUP BY cal.id, cal.n, d.declaration_type, banded
), this AS (SELECT n FROM calendar WHERE id = :statement_id
), walk AS (  -- banded places taken before this statement: W = max(0, W + billable - refunded)
  -- over the earlier statements, i.e. the running sum less its lowest point (0 at start)
  SELECT k.declaration_type,
    sum(k.billable - k.refunded) OVER w AS running,
    row_number() OVER (PARTITION BY k.declaration_type ORDER BY k.n DESC) AS latest
  FROM counted k, this
  WHERE k.banded AND k.n < this.n
  WINDOW w AS (PARTITION BY k.declaration_type ORDER BY k.n)
), taken AS (
  SELECT w.declaration_type,
    max(w.running) FILTER (WHERE w.latest = 1)
      - least(0, min(w.running)) AS taken
  FROM walk w GROUP BY w.declaration_type
), now AS (  -- this statement's banded counts, and how many refunds come out
  SELECT k.declaration_type, k.billable, k.refunded, p.taken,
    least(k.refunded, p.taken + k.billable) AS removed
  FROM counted k
  CROSS JOIN this
  CROSS JOIN LATERAL (
    SELECT coalesce((SELECT t.taken FROM taken t
                     WHERE t.declaration_type = k.declaration_type), 0) AS taken) p
  WHERE k.banded AND k.n = this.n
), lines AS (
  SELECT n.declaration_type, b.band, b.position,
    -- overlap of the places filled [taken, taken + billable) with the band's
    greatest(0, least(n.taken + n.billable, coalesce(b.top, n.taken + n.billable))
                - greatest(n.taken, b.floor)) AS billable,
    -- overlap of the places emptied [end - removed, end) with the band's
    greatest(0, least(n.taken + n.billable, coalesce(b.top, n.taken + n.billable))
                - greatest(n.taken + n.billable - n.removed, b.floor)) AS refunded,
    CASE n.declaration_type WHEN 'started' THEN 0.20 WHEN 'completed' THEN 0.20 ELSE 0.15 END
      * b.output_fee_ratio * b.fee_per_declaration AS fee
  FROM now n CROSS JOIN bands b
), shown_lines AS (
  SELECT * FROM lines WHERE billable > 0 OR refunded > 0
), flat_lines AS (
  SELECT k.declaration_type, sum(k.billable) AS billable, sum(k.refunded) AS refunded,
    0.5 * f.fee_per_declaration AS fee
  FROM counted k, this, flat f
  WHERE NOT k.banded AND k.n = this.n AND k.declaration_type IN ('started', 'completed')
  GROUP BY k.declaration_type, f.fee_per_declaration
  HAVING sum(k.billable) > 0 OR sum(k.refunded) > 0
), uplift AS (
  SELECT coalesce(sum(k.uplift_billable), 0) AS billable,
         coalesce(sum(k.uplift_refunded), 0) AS refunded
  FROM counted k, this WHERE k.n = this.n
), service AS (  -- the contract's monthly fee, else the bands filled up to the target
  SELECT coalesce(st.monthly_service_fee, (
    (SELECT sum(greatest(0, least(b.capacity, st.recruitment_target - b.floor))
                * b.fee_per_declaration * b.service_fee_ratio) FROM bands b)
    - coalesce((SELECT st.setup_fee * greatest(0, least(b.capacity, st.recruitment_target))
                       / nullif(b.capacity, 0)
                FROM bands b WHERE b.position = 1), 0)
    ) / 29) AS fee
  FROM structure st
), amounts AS (
  SELECT
    coalesce((SELECT sum(billable * fee) FROM shown_lines), 0)
      + coalesce((SELECT sum(billable * fee) FROM flat_lines), 0) AS output_fee,
    coalesce((SELECT sum(refunded * fee) FROM shown_lines), 0)
      + coalesce((SELECT sum(refunded * fee) FROM flat_lines), 0) AS clawbacks,
    CASE WHEN st.uplift_fees_enabled THEN u.billable ELSE 0 END AS uplift_count,
    CASE WHEN st.uplift_fees_enabled THEN u.refunded ELSE 0 END AS uplift_refunded,
    st.uplift_fee_per_declaration AS uplift_fee,
    (SELECT fee FROM service) AS service_fee,
    coalesce((SELECT sum(a.amount) FROM statement_adjustments a
              WHERE a.statement_id = :statement_id), 0) AS adjustments,
    (SELECT contract_vat_rate FROM statement) AS vat_rate
  FROM structure st CROSS JOIN uplift u
), money AS (
  SELECT a.*,
    (a.uplift_count - a.uplift_refunded) * a.uplift_fee AS uplift,
    a.output_fee - a.clawbacks + (a.uplift_count - a.uplift_refunded) * a.uplift_fee
      + a.service_fee + a.adjustments AS subtotal
  FROM amounts a
), page AS (
  SELECT d.*, row_number() OVER (ORDER BY d.id) AS n
  FROM declarations d
  WHERE d.payment_statement_id = :statement_id OR d.clawback_statement_id = :statement_id
  ORDER BY d.id LIMIT CAST(:first AS integer) + 1
), shown AS (
  SELECT page.*, replace(translate(encode(convert_to('[' || page.id || ']', 'UTF8'),
    'base64'), '+/', '-_'), E'\n', '') AS cursor
  FROM page WHERE n <= CAST(:first AS integer)
)
SELECT json_build_object('node', (
  SELECT json_build_object(
    'id', encode(convert_to('Statement:' || s.id, 'UTF8'), 'base64'),
    'apiId', s.api_id,
    'month', s.month,
    'year', s.year,
    'cohort', s.contract_period_year,
    'status', upper(s.status),
    'feeType', upper(s.fee_type),
    'deadlineDate', s.deadline_date,
    'paymentDate', s.payment_date,
    'leadProvider', (
      SELECT json_build_object(
        'id', encode(convert_to('LeadProvider:' || lp.id, 'UTF8'), 'base64'), 'name', lp.name)
      FROM lead_providers lp WHERE lp.id = s.lead_provider_id),
    'adjustments', coalesce((
      SELECT json_agg(json_build_object('description', a.description, 'amount', a.amount::text)
                      ORDER BY a.id)
      FROM statement_adjustments a WHERE a.statement_id = s.id), '[]'),
    'contract', (
      SELECT json_build_object(
        'id', encode(convert_to('Contract:' || c.id, 'UTF8'), 'base64'),
        'contractType', upper(c.contract_type),
        'vatRate', c.vat_rate::text)
      FROM contracts c WHERE c.id = s.contract_id),
    'bandLines', coalesce((
      SELECT json_agg(json_build_object(
        'declarationType', upper(replace(l.declaration_type, '-', '_')),
        'band', l.band,
        'billableCount', l.billable,
        'refundedCount', l.refunded,
        'feePerDeclaration', round(l.fee, 2)::text,
        'billableAmount', round(l.billable * l.fee, 2)::text,
        'refundedAmount', round(l.refunded * l.fee, 2)::text)
        ORDER BY array_position(ARRAY['started', 'retained-1', 'retained-2', 'retained-3',
          'retained-4', 'completed', 'extended-1', 'extended-2', 'extended-3'],
          l.declaration_type::text), l.position)
      FROM shown_lines l WHERE EXISTS (SELECT 1 FROM structure)), '[]'),
    'flatRateLines', coalesce((
      SELECT json_agg(json_build_object(
        'declarationType', upper(l.declaration_type),
        'billableCount', l.billable,
        'refundedCount', l.refunded,
        'feePerDeclaration', round(l.fee, 2)::text,
        'billableAmount', round(l.billable * l.fee, 2)::text,
        'refundedAmount', round(l.refunded * l.fee, 2)::text)
        ORDER BY l.declaration_type <> 'started')
      FROM flat_lines l WHERE EXISTS (SELECT 1 FROM structure)), '[]'),
    'outputFee', round(m.output_fee, 2)::text,
    'clawbacks', round(m.clawbacks, 2)::text,
    'upliftCount', m.uplift_count,
    'upliftRefundedCount', m.uplift_refunded,
    'upliftAmount', round(m.uplift, 2)::text,
    'serviceFee', round(m.service_fee, 2)::text,
    'adjustmentsTotal', round(m.adjustments, 2)::text,
    'subtotal', round(m.subtotal, 2)::text,
    'vatRate', m.vat_rate::text,
    'vat', round(m.subtotal * m.vat_rate, 2)::text,
    'total', round(m.subtotal + m.subtotal * m.vat_rate, 2)::text,
    'declarations', json_build_object(
      'pageInfo', json_build_object(
        'hasNextPage', (SELECT count(*) FROM page) > CAST(:first AS integer),
        'endCursor', (SELECT cursor FROM shown ORDER BY n DESC LIMIT 1)),
      'edges', coalesce((
        SELECT json_agg(json_build_object('node', json_build_object(
          'id', encode(convert_to('Declaration:' || d.id, 'UTF8'), 'base64'),
          'declarationType', upper(replace(d.declaration_type, '-', '_')),
          'declarationDate', d.declaration_date,
          'state', CASE
            WHEN d.clawback_status = 'awaiting_clawback' THEN 'AWAITING_CLAWBACK'
            WHEN d.clawback_status = 'clawed_back' THEN 'CLAWED_BACK'
            WHEN d.payment_status = 'no_payment' THEN 'SUBMITTED'
            ELSE upper(d.payment_status) END,
          'participant', (
            SELECT json_build_object(
              'id', encode(convert_to('Teacher:' || t.id, 'UTF8'), 'base64'),
              'fullName', COALESCE(t.corrected_name, t.trs_first_name || ' ' || t.trs_last_name),
              'trn', t.trn)
            FROM teachers t WHERE t.id = d.teacher_id),
          'deliveryPartner', (
            SELECT json_build_object(
              'id', encode(convert_to('DeliveryPartner:' || dp.id, 'UTF8'), 'base64'),
              'name', dp.name)
            FROM delivery_partners dp WHERE dp.id = d.delivery_partner_id)))
          ORDER BY d.n)
        FROM shown d), '[]')))
  FROM statement s LEFT JOIN money m ON true))::text
