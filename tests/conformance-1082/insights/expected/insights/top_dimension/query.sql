WITH "mchmirdceiftgjdpvigmdytawohib" AS (
  SELECT
    *
  FROM sales
)
SELECT
  SUBSTRING("mchmirdceiftgjdpvigmdytawohib"."day", 6) AS "msuhfndnhgqgxlk",
  COUNT(*) AS "mgulbwushcwewvt"
FROM "mchmirdceiftgjdpvigmdytawohib"
GROUP BY
  SUBSTRING("mchmirdceiftgjdpvigmdytawohib"."day", 6)
ORDER BY
  SUBSTRING("mchmirdceiftgjdpvigmdytawohib"."day", 6) ASC NULLS LAST