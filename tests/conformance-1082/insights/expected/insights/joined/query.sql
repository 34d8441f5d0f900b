WITH "mcpiwtzpxvrnhpqgqsksheywxcraa" AS (
  SELECT
    *
  FROM regions
), "mchmirdceiftgjdpvigmdytawohib" AS (
  SELECT
    *
  FROM sales
)
SELECT
  "mcpiwtzpxvrnhpqgqsksheywxcraa"."manager" AS "mdacctlntutdizz",
  SUM("mchmirdceiftgjdpvigmdytawohib"."amount") AS "mpdvlqckzqetjzo",
  MAX("mcpiwtzpxvrnhpqgqsksheywxcraa"."target") AS "mgsgcgtcduimbcz"
FROM "mcpiwtzpxvrnhpqgqsksheywxcraa"
INNER JOIN "mchmirdceiftgjdpvigmdytawohib"
  ON "mchmirdceiftgjdpvigmdytawohib"."region" = "mcpiwtzpxvrnhpqgqsksheywxcraa"."region"
GROUP BY
  "mcpiwtzpxvrnhpqgqsksheywxcraa"."manager"
ORDER BY
  "mcpiwtzpxvrnhpqgqsksheywxcraa"."manager" ASC NULLS LAST