WITH 
base_query as (
    select f.id, f.day, f.value, c.label, c.weight from facts f left join lookup.codes c on f.code = c.code
),
columnize_cohort_on as (
    SELECT 
        *,
        label as "cohort_on"
    FROM base_query
)
SELECT
            day as "props.x",
            sum(value * coalesce(weight, 0)) as "props.y",
    "cohort_on"
FROM columnize_cohort_on
    GROUP BY
        label  , 
        day ,
    "cohort_on"
    ORDER BY
        day 
-- source: main_src