WITH 
base_query as (
    select * from tickets
),
columnize_cohort_on as (
    SELECT 
        *,
        'teams' as "cohort_on"
    FROM base_query
)
SELECT
            team as "props.labels",
            count(distinct week) as "props.values",
    "cohort_on"
FROM columnize_cohort_on
    GROUP BY
        team ,
    "cohort_on"
    ORDER BY
        team 
-- source: support