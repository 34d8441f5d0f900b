WITH 
base_query as (
    select * from readings
),
columnize_cohort_on as (
    SELECT 
        *,
        year as "cohort_on"
    FROM base_query
)
SELECT
            sensor as "props.x",
            avg(reading) as "props.y",
    "cohort_on"
FROM columnize_cohort_on
    GROUP BY
        sensor  , 
        year ,
    "cohort_on"
    ORDER BY
        sensor 
-- source: local