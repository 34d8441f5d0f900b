WITH "mchmirdceiftgjdpvigmdytawohib" AS (
  SELECT
    *
  FROM sales
)
SELECT
  "mchmirdceiftgjdpvigmdytawohib"."product" AS "mawbeurqdwzviuc",
  SUM("mchmirdceiftgjdpvigmdytawohib"."amount") AS "mpdvlqckzqetjzo"
FROM "mchmirdceiftgjdpvigmdytawohib"
GROUP BY
  "mchmirdceiftgjdpvigmdytawohib"."product"
ORDER BY
  SUM("mchmirdceiftgjdpvigmdytawohib"."amount") DESC