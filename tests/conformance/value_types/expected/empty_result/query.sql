WITH 
base_query as (
    select * from readings
),
columnize_cohort_on as (
    SELECT 
        *,
        'empty_result' as "cohort_on"
    FROM base_query
)
SELECT
            day as "props.x",
            reading as "props.y",
    "cohort_on"
FROM columnize_cohort_on
    WHERE
        1 = 0
    GROUP BY
        day  , 
        reading ,
    "cohort_on" 
-- source: local