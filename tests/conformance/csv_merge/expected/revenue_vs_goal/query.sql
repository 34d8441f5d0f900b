WITH 
base_query as (
    select o.month, sum(o.amount) as revenue, t.goal, t.stretch
from orders.model o join targets_csv.targets t on o.month = t.month
group by o.month, t.goal, t.stretch

),
columnize_cohort_on as (
    SELECT 
        *,
        case when revenue >= goal then 'met' else 'missed' end as "cohort_on"
    FROM base_query
)
SELECT
            month as "props.x",
            revenue - goal as "props.y",
    "cohort_on"
FROM columnize_cohort_on
    WHERE
        goal > 10
    GROUP BY
        case when revenue >= goal then 'met' else 'missed' end  , 
        month  , 
        revenue - goal ,
    "cohort_on"
    ORDER BY
        month 
-- source: shop_db