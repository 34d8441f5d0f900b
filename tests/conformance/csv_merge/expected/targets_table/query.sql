WITH 
base_query as (
    select * from targets
),
columnize_cohort_on as (
    SELECT 
        *,
        'all targets' as "cohort_on"
    FROM base_query
)
SELECT
            note as "props.text",
            month as "props.x",
            stretch as "props.y",
    "cohort_on"
FROM columnize_cohort_on
    GROUP BY
        stretch  , 
        month  , 
        note ,
    "cohort_on"
    ORDER BY
        month desc 
-- source: model_targets_csv_generated_source