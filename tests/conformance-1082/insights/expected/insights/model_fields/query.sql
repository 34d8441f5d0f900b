WITH "mchmirdceiftgjdpvigmdytawohib" AS (
  SELECT
    *
  FROM sales
)
SELECT
  CASE WHEN "mchmirdceiftgjdpvigmdytawohib"."amount" > 5 THEN 'big' ELSE 'small' END AS "mxcgaldfahmljhn",
  SUM("mchmirdceiftgjdpvigmdytawohib"."amount") AS "mqevohdqbxhvbyh",
  COUNT(*) AS "mgulbwushcwewvt"
FROM "mchmirdceiftgjdpvigmdytawohib"
GROUP BY
  CASE WHEN "mchmirdceiftgjdpvigmdytawohib"."amount" > 5 THEN 'big' ELSE 'small' END
ORDER BY
  CASE WHEN "mchmirdceiftgjdpvigmdytawohib"."amount" > 5 THEN 'big' ELSE 'small' END ASC NULLS LAST