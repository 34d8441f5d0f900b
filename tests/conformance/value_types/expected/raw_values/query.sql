WITH 
base_query as (
    select * from readings
),
columnize_cohort_on as (
    SELECT 
        *,
        sensor as "cohort_on"
    FROM base_query
)
SELECT
            count_value as "props.customdata.0",
            big as "props.customdata.1",
            stamp as "props.hovertext",
            label as "props.text",
            day as "props.x",
            reading as "props.y",
    "cohort_on"
FROM columnize_cohort_on
    GROUP BY
        id  , 
        count_value  , 
        label  , 
        sensor  , 
        big  , 
        stamp  , 
        day  , 
        reading ,
    "cohort_on"
    ORDER BY
        id 
-- source: local