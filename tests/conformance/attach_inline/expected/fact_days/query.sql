WITH 
base_query as (
    select day, count(*) as n from facts group by day
),
columnize_cohort_on as (
    SELECT 
        *,
        'fact_days' as "cohort_on"
    FROM base_query
)
SELECT
            day as "props.x",
            n as "props.y",
    "cohort_on"
FROM columnize_cohort_on
    GROUP BY
        n  , 
        day ,
    "cohort_on"
    ORDER BY
        day 
-- source: plain_src