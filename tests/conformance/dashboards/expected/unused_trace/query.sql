WITH 
base_query as (
    select * from tickets
),
columnize_cohort_on as (
    SELECT 
        *,
        'unused_trace' as "cohort_on"
    FROM base_query
)
SELECT
            team as "props.x",
            count(*) as "props.y",
    "cohort_on"
FROM columnize_cohort_on
    GROUP BY
        team ,
    "cohort_on"
    ORDER BY
        team 
-- source: support