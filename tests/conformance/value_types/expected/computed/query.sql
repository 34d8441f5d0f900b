WITH 
base_query as (
    select * from readings
),
columnize_cohort_on as (
    SELECT 
        *,
        'computed' as "cohort_on"
    FROM base_query
)
SELECT
            total(count_value) as "props.customdata.0",
            sum(count_value) / 3.0 as "props.customdata.1",
            max(big) as "props.customdata.2",
            group_concat(label, '|') as "props.text",
            sensor as "props.x",
            count(*) as "props.y",
    "cohort_on"
FROM columnize_cohort_on
    GROUP BY
        sensor ,
    "cohort_on"
    ORDER BY
        sensor desc 
-- source: local