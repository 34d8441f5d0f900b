WITH "mchmirdceiftgjdpvigmdytawohib" AS (
  SELECT
    *
  FROM sales
)
SELECT
  "mchmirdceiftgjdpvigmdytawohib"."region" AS "mneyeltqmnipbot",
  SUM("mchmirdceiftgjdpvigmdytawohib"."amount") AS "mpdvlqckzqetjzo"
FROM "mchmirdceiftgjdpvigmdytawohib"
GROUP BY
  "mchmirdceiftgjdpvigmdytawohib"."region"
HAVING
  SUM("mchmirdceiftgjdpvigmdytawohib"."amount") > 10
ORDER BY
  "mchmirdceiftgjdpvigmdytawohib"."region" ASC NULLS LAST