WITH "mchmirdceiftgjdpvigmdytawohib" AS (
  SELECT
    *
  FROM sales
)
SELECT
  "mchmirdceiftgjdpvigmdytawohib"."product" AS "mawbeurqdwzviuc",
  SUM("mchmirdceiftgjdpvigmdytawohib"."amount") / COUNT(*) AS "mduncwzbnuxxzhl"
FROM "mchmirdceiftgjdpvigmdytawohib"
GROUP BY
  "mchmirdceiftgjdpvigmdytawohib"."product"
ORDER BY
  "mchmirdceiftgjdpvigmdytawohib"."product" ASC NULLS LAST