WITH 
base_query as (
    select * from sales
),
columnize_cohort_on as (
    SELECT 
        *,
        'Region Totals' as "cohort_on"
    FROM base_query
)
SELECT
            sum(units) as "props.x",
            region as "props.y",
    "cohort_on"
FROM columnize_cohort_on
    GROUP BY
        region ,
    "cohort_on"
        HAVING
            count(*) >= 2
    ORDER BY
        region desc 
-- source: shop