WITH 
base_query as (
    select * from sales
),
columnize_cohort_on as (
    SELECT 
        *,
        region as "cohort_on"
    FROM base_query
)
SELECT
            day as "props.x",
            avg(units) as "props.y",
    "cohort_on"
FROM columnize_cohort_on
    GROUP BY
        region  , 
        day ,
    "cohort_on"
    ORDER BY
        day ASC 
-- source: shop