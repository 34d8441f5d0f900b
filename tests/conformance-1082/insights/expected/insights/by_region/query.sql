WITH "mchmirdceiftgjdpvigmdytawohib" AS (
  SELECT
    *
  FROM sales
)
SELECT
  "mchmirdceiftgjdpvigmdytawohib"."region" AS "mneyeltqmnipbot",
  SUM("mchmirdceiftgjdpvigmdytawohib"."amount") AS "mpdvlqckzqetjzo",
  COUNT("mchmirdceiftgjdpvigmdytawohib"."id") AS "mrgsezidwnntyll",
  AVG("mchmirdceiftgjdpvigmdytawohib"."amount") AS "mssunmfrmjnljua"
FROM "mchmirdceiftgjdpvigmdytawohib"
GROUP BY
  "mchmirdceiftgjdpvigmdytawohib"."region"
ORDER BY
  "mchmirdceiftgjdpvigmdytawohib"."region" ASC NULLS LAST