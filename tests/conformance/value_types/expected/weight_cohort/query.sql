WITH 
base_query as (
    select * from readings
),
columnize_cohort_on as (
    SELECT 
        *,
        weight as "cohort_on"
    FROM base_query
)
SELECT
            year as "props.x",
            sum(count_value) as "props.y",
    "cohort_on"
FROM columnize_cohort_on
    GROUP BY
        weight  , 
        year ,
    "cohort_on"
    ORDER BY
        year 
-- source: local