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
            case when sum(amount) > 10 then 'green' else 'grey' end as "props.marker.color",
            day as "props.x",
            sum(amount) as "props.y",
    "cohort_on"
FROM columnize_cohort_on
    WHERE
        units > 0
    GROUP BY
        region  , 
        day ,
    "cohort_on"
        HAVING
            sum(amount) > 1
    ORDER BY
        day asc 
-- source: shop