WITH 
base_query as (
    select * from daily
),
columnize_cohort_on as (
    SELECT 
        *,
        region as "cohort_on"
    FROM base_query
)
SELECT
            day as "columns.days",
            sum(amount) as "columns.amounts",
            sum(units) as "columns.unit_count",
            max(amount) as "props.customdata.0",
    "cohort_on"
FROM columnize_cohort_on
    GROUP BY
        region  , 
        day ,
    "cohort_on"
    ORDER BY
        day 
-- source: db