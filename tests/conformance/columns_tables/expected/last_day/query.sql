WITH 
base_query as (
    select * from daily
),
columnize_cohort_on as (
    SELECT 
        *,
        'last_day' as "cohort_on"
    FROM base_query
)
SELECT
            sum(amount) as "columns.day_totals",
            day as "columns.day_names",
    "cohort_on"
FROM columnize_cohort_on
    GROUP BY
        day ,
    "cohort_on"
    ORDER BY
        day asc 
-- source: db