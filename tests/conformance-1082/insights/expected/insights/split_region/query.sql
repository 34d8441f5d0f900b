WITH "mchmirdceiftgjdpvigmdytawohib" AS (
  SELECT
    *
  FROM sales
)
SELECT
  "mchmirdceiftgjdpvigmdytawohib"."region" AS "mneyeltqmnipbot",
  "mchmirdceiftgjdpvigmdytawohib"."product" AS "mawbeurqdwzviuc",
  SUM("mchmirdceiftgjdpvigmdytawohib"."amount") AS "mpdvlqckzqetjzo"
FROM "mchmirdceiftgjdpvigmdytawohib"
GROUP BY
  "mchmirdceiftgjdpvigmdytawohib"."region",
  "mchmirdceiftgjdpvigmdytawohib"."product"
ORDER BY
  "mchmirdceiftgjdpvigmdytawohib"."product" ASC NULLS LAST