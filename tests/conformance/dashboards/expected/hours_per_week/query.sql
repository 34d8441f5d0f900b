WITH 
base_query as (
    select * from tickets
),
columnize_cohort_on as (
    SELECT 
        *,
        team as "cohort_on"
    FROM base_query
)
SELECT
            week as "props.x",
            sum(hours) as "props.y",
    "cohort_on"
FROM columnize_cohort_on
    GROUP BY
        week  , 
        team ,
    "cohort_on"
    ORDER BY
        week 
-- source: support