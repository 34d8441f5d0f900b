WITH "mchmirdceiftgjdpvigmdytawohib" AS (
  SELECT
    *
  FROM sales
)
SELECT
  "mchmirdceiftgjdpvigmdytawohib"."product" AS "mawbeurqdwzviuc",
  "mchmirdceiftgjdpvigmdytawohib"."day" AS "mkmaebudoigsyte"
FROM "mchmirdceiftgjdpvigmdytawohib"
GROUP BY
  "mchmirdceiftgjdpvigmdytawohib"."product",
  "mchmirdceiftgjdpvigmdytawohib"."day"
ORDER BY
  "mchmirdceiftgjdpvigmdytawohib"."product" ASC NULLS LAST,
  "mchmirdceiftgjdpvigmdytawohib"."day" DESC