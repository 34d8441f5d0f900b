WITH 
base_query as (
    select * from facts
),
columnize_cohort_on as (
    SELECT 
        *,
        code as "cohort_on"
    FROM base_query
)
SELECT
            id as "props.x",
            value as "props.y",
    "cohort_on"
FROM columnize_cohort_on
    GROUP BY
        id  , 
        code  , 
        value ,
    "cohort_on"
    ORDER BY
        id 
-- source: plain_src