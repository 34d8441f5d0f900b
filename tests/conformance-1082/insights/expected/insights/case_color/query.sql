WITH "mchmirdceiftgjdpvigmdytawohib" AS (
  SELECT
    *
  FROM sales
)
SELECT
  "mchmirdceiftgjdpvigmdytawohib"."id" AS "mysozrwckhhygti",
  "mchmirdceiftgjdpvigmdytawohib"."units" AS "myscbulvgruxlce",
  CASE
    WHEN "mchmirdceiftgjdpvigmdytawohib"."units" IS NULL
    THEN 'grey'
    WHEN "mchmirdceiftgjdpvigmdytawohib"."units" > 2
    THEN 'red'
    ELSE 'blue'
  END AS "mynuehkqharzcwd"
FROM "mchmirdceiftgjdpvigmdytawohib"
GROUP BY
  "mchmirdceiftgjdpvigmdytawohib"."id",
  "mchmirdceiftgjdpvigmdytawohib"."units",
  CASE
    WHEN "mchmirdceiftgjdpvigmdytawohib"."units" IS NULL
    THEN 'grey'
    WHEN "mchmirdceiftgjdpvigmdytawohib"."units" > 2
    THEN 'red'
    ELSE 'blue'
  END
ORDER BY
  "mchmirdceiftgjdpvigmdytawohib"."id" ASC NULLS LAST