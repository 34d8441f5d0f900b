WITH 
base_query as (
    select o.month, sum(o.amount) as revenue, t.goal, t.stretch
from orders.model o join targets_csv.targets t on o.month = t.month
group by o.month, t.goal, t.stretch

),
columnize_cohort_on as (
    SELECT 
        *,
        'goal_line' as "cohort_on"
    FROM base_query
)
SELECT
            revenue as "props.customdata.0",
            stretch as "props.customdata.1",
            month as "props.x",
            goal as "props.y",
    "cohort_on"
FROM columnize_cohort_on
    GROUP BY
        stretch  , 
        month  , 
        revenue  , 
        goal ,
    "cohort_on"
    ORDER BY
        month 
-- source: shop_db