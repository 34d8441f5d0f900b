WITH 
base_query as (
    select * from daily
),
columnize_cohort_on as (
    SELECT 
        *,
        'units_kpi' as "cohort_on"
    FROM base_query
)
SELECT
            sum(units) as "columns.total_units",
            round(sum(amount), 2) as "columns.total_amount",
    "cohort_on"
FROM columnize_cohort_on
    GROUP BY
    "cohort_on" 
-- source: db