WITH 
base_query as (
    select * from sales
),
columnize_cohort_on as (
    SELECT 
        *,
        product as "cohort_on"
    FROM base_query
)
SELECT
            max(day) as "props.text",
            region as "props.x",
            count(*) as "props.y",
    "cohort_on"
FROM columnize_cohort_on
    WHERE
        region is not null AND 
        amount >= 1
    GROUP BY
        region  , 
        product ,
    "cohort_on"
    ORDER BY
        sum(amount) desc, 
        region 
-- source: shop