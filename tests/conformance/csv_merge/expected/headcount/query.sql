WITH 
base_query as (
    select * from model
),
columnize_cohort_on as (
    SELECT 
        *,
        region as "cohort_on"
    FROM base_query
)
SELECT
            max(ratio) as "props.customdata.0",
            manager as "props.x",
            sum(headcount) as "props.y",
    "cohort_on"
FROM columnize_cohort_on
    GROUP BY
        manager  , 
        region ,
    "cohort_on"
        HAVING
            sum(headcount) > 3 
-- source: model_regions_csv_generated_source