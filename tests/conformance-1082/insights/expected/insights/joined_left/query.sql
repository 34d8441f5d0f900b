WITH "mchmirdceiftgjdpvigmdytawohib" AS (
  SELECT
    *
  FROM sales
), "mwfmntdjeqpnaevlvpxruodsxhujb" AS (
  SELECT
    region,
    target
  FROM regions
)
SELECT
  "mwfmntdjeqpnaevlvpxruodsxhujb"."target" AS "mzpswyktjdwxxhm",
  COUNT("mchmirdceiftgjdpvigmdytawohib"."id") AS "mrgsezidwnntyll"
FROM "mchmirdceiftgjdpvigmdytawohib"
LEFT JOIN "mwfmntdjeqpnaevlvpxruodsxhujb"
  ON "mchmirdceiftgjdpvigmdytawohib"."region" = "mwfmntdjeqpnaevlvpxruodsxhujb"."region"
GROUP BY
  "mwfmntdjeqpnaevlvpxruodsxhujb"."target"
ORDER BY
  "mwfmntdjeqpnaevlvpxruodsxhujb"."target" ASC NULLS LAST