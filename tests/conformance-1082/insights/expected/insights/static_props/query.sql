WITH "mchmirdceiftgjdpvigmdytawohib" AS (
  SELECT
    *
  FROM sales
)
SELECT
  "mchmirdceiftgjdpvigmdytawohib"."day" AS "mkmaebudoigsyte",
  AVG("mchmirdceiftgjdpvigmdytawohib"."amount") AS "mssunmfrmjnljua"
FROM "mchmirdceiftgjdpvigmdytawohib"
GROUP BY
  "mchmirdceiftgjdpvigmdytawohib"."day"
ORDER BY
  "mchmirdceiftgjdpvigmdytawohib"."day" ASC NULLS LAST