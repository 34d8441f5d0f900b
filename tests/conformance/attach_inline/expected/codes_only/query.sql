WITH 
base_query as (
    select code, label, weight from codes
),
columnize_cohort_on as (
    SELECT 
        *,
        'codes_only' as "cohort_on"
    FROM base_query
)
SELECT
            label as "props.labels",
            weight as "props.values",
    "cohort_on"
FROM columnize_cohort_on
    GROUP BY
        label  , 
        code  , 
        weight ,
    "cohort_on"
    ORDER BY
        code desc 
-- source: inline_lookup