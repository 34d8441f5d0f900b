WITH 
base_query as (
    select * from readings
),
columnize_cohort_on as (
    SELECT 
        *,
        'values' as "cohort_on"
    FROM base_query
)
SELECT
            sum(reading) as "columns.total",
            count(*) as "columns.rows",
    "cohort_on"
FROM columnize_cohort_on 
-- source: local