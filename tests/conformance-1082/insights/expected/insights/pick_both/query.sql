SELECT
  "mchmirdceiftgjdpvigmdytawohib"."product" AS "mawbeurqdwzviuc",
  "mchmirdceiftgjdpvigmdytawohib"."id" AS "mysozrwckhhygti",
  "mchmirdceiftgjdpvigmdytawohib"."amount" AS "mncbuomfqbbmggo"
FROM "mchmirdceiftgjdpvigmdytawohib"
WHERE
  "mchmirdceiftgjdpvigmdytawohib"."amount" > ${min_amount.value} AND "mchmirdceiftgjdpvigmdytawohib"."region" <> '${region_pick.value}'
GROUP BY
  "mchmirdceiftgjdpvigmdytawohib"."product", "mchmirdceiftgjdpvigmdytawohib"."id", "mchmirdceiftgjdpvigmdytawohib"."amount"
ORDER BY
  "mchmirdceiftgjdpvigmdytawohib"."id" ASC