WITH "mchmirdceiftgjdpvigmdytawohib" AS (
  SELECT
    *
  FROM sales
)
SELECT
  "mchmirdceiftgjdpvigmdytawohib"."id" AS "mysozrwckhhygti",
  "mchmirdceiftgjdpvigmdytawohib"."amount" AS "mncbuomfqbbmggo"
FROM "mchmirdceiftgjdpvigmdytawohib"
WHERE
  "mchmirdceiftgjdpvigmdytawohib"."units" >= 2
GROUP BY
  "mchmirdceiftgjdpvigmdytawohib"."id",
  "mchmirdceiftgjdpvigmdytawohib"."amount"
ORDER BY
  "mchmirdceiftgjdpvigmdytawohib"."id" DESC