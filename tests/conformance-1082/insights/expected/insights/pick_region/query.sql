SELECT
  "mchmirdceiftgjdpvigmdytawohib"."product" AS "mawbeurqdwzviuc",
  sum("mchmirdceiftgjdpvigmdytawohib"."amount") AS "mpdvlqckzqetjzo"
FROM "mchmirdceiftgjdpvigmdytawohib"
WHERE
  "mchmirdceiftgjdpvigmdytawohib"."region" = '${region_pick.value}'
GROUP BY
  "mchmirdceiftgjdpvigmdytawohib"."product"
ORDER BY
  "mchmirdceiftgjdpvigmdytawohib"."product" ASC