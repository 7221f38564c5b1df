#!/usr/bin/env bash
# The console's page queries on a year of data: 1,000,000 exchanges over 365 days from 50,000 users (a few heavy, most
# light), 1% with a safety decision, 20,000 orders with their refunds. Runs each page's SQL as EF Core generates it
# (captured with ToQueryString from Api/Conversations/UserDirectory.cs and Api/Billing/Orders/OrderQueries.cs; the
# revenue is the endpoint's own SQL) with EXPLAIN (ANALYZE, BUFFERS), warm, and prints the median execution time and
# the indexes each plan uses. Target: every page query under 50 ms. Figures: docs/console-queries.md.
#
# Self-contained and bounded, 127.0.0.1 only: builds the migration service in Release, starts its own PostgreSQL in a
# temp folder (the database with a UTF-8 ctype, as the postgres image's en_US.utf8: pg_trgm then indexes Chinese
# text), migrates it, seeds it with generate_series (indexes dropped while seeding and built after), stops everything.
#
# Usage: bench/console-queries.sh      Env: EXCHANGES=1000000 USERS=50000 ORDERS=20000 RUNS=9 SKIP_BUILD=1 LOG_DIR (keep the plans)
set -euo pipefail

EXCHANGES=${EXCHANGES:-1000000}
USERS=${USERS:-50000}
ORDERS=${ORDERS:-20000}
RUNS=${RUNS:-9}
APP=wxbench

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=$(mktemp -d -t wechatai-console-XXXXXX)
chmod 755 "$WORK"
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PG_PID=""
cleanup() {
  if [[ -n "$PG_PID" ]]; then kill -INT "$PG_PID" 2>/dev/null || true; wait "$PG_PID" 2>/dev/null || true; fi
  if [[ -n "${LOG_DIR:-}" ]]; then mkdir -p "$LOG_DIR" && cp "$WORK"/*.plan "$WORK"/*.log "$LOG_DIR"/ 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  echo "== building the migration service (Release)"
  dotnet build "$ROOT/WeChatAi.MigrationService" -c Release --nologo -v quiet >/dev/null
fi
MIGRATIONS_DLL="$ROOT/WeChatAi.MigrationService/bin/Release/net10.0/WeChatAi.MigrationService.dll"

init_postgres "$WORK"
start_postgres "$WORK"
export PGPASSWORD=$PG_PASSWORD
psql_() { psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -X -q -v ON_ERROR_STOP=1 "$@"; }
psql_ -d postgres -c "CREATE DATABASE wechatdb TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.utf8' LC_CTYPE 'C.utf8'"
ConnectionStrings__wechatdb="$DB" DOTNET_ENVIRONMENT=Production timeout 120 dotnet "$MIGRATIONS_DLL" >"$WORK/migrations.log" 2>&1
db() { psql_ -d wechatdb "$@"; }

echo "== seeding $USERS users, $EXCHANGES exchanges over 365 days, $ORDERS orders"
TABLES="'wechat_users','chat_exchanges','safety_decisions','orders','refunds'"
db -At -c "SELECT indexdef || ';' FROM pg_indexes WHERE tablename IN ($TABLES) AND indexname NOT LIKE 'PK_%'" >"$WORK/indexes.sql"
db -At -c "SELECT 'DROP INDEX ' || quote_ident(indexname) || ';' FROM pg_indexes WHERE tablename IN ($TABLES) AND indexname NOT LIKE 'PK_%'" | db >/dev/null
SECONDS=0
db <<SQL
-- Chinese and English words the questions and answers are made of (60: a 2-word phrase is in ~0.1% of questions).
CREATE TEMP TABLE words AS SELECT ARRAY['天气','退款','订单','发票','密码','登录','失败','怎么','如何','推荐','小说','电影','价格','会员',
  '充值','积分','客服','物流','快递','地址','修改','取消','支付','微信','账号','手机','电脑','学习','英语','数学','作文','翻译','代码',
  'Python','错误','健康','饮食','运动','旅游','北京','上海','酒店','机票','火车','时间','明天','今天','为什么','什么','可以','帮我',
  '总结','解释','问题','方法','建议','计划','工作','简历','面试'] AS w;

INSERT INTO wechat_users ("AppId", "OpenId", "Subscribed", "FirstSeenAt", "LastSeenAt", "Blocked", "Nickname")
SELECT '$APP', 'o' || substr(md5(i::text), 1, 27), i % 10 <> 0, now() - interval '365 days' * random(), now() - interval '365 days' * random() ^ 3,
       i % 500 = 0, CASE WHEN i % 10 = 0 THEN (SELECT w[1 + (i % 60)] FROM words) || '客户' || i END
FROM generate_series(1, $USERS) AS i;

-- Ids grow with time, as the recorder writes them; users drawn with a skew (random()^3: a few ask thousands).
INSERT INTO chat_exchanges ("JobId", "AppId", "OpenId", "Question", "Answer", "PromptTokens", "CompletionTokens", "ReceivedAt",
                            "AnsweredAt", "LatencyMs", "Attempts", "Outcome")
SELECT '$APP:' || i, '$APP', 'o' || substr(md5((1 + floor($USERS * random() ^ 3))::int::text), 1, 27),
       w[1 + floor(random() * 60)::int] || w[1 + floor(random() * 60)::int] || w[1 + floor(random() * 60)::int] || w[1 + floor(random() * 60)::int] || '？',
       w[1 + floor(random() * 60)::int] || w[1 + floor(random() * 60)::int] || '，' || w[1 + floor(random() * 60)::int] || w[1 + floor(random() * 60)::int]
         || w[1 + floor(random() * 60)::int] || '，' || w[1 + floor(random() * 60)::int] || w[1 + floor(random() * 60)::int] || w[1 + floor(random() * 60)::int]
         || '，' || w[1 + floor(random() * 60)::int] || w[1 + floor(random() * 60)::int] || w[1 + floor(random() * 60)::int] || w[1 + floor(random() * 60)::int] || '。',
       200 + floor(random() * 800)::int, 50 + floor(random() * 400)::int,
       now() - interval '365 days' + interval '365 days' * i / $EXCHANGES, now() - interval '365 days' + interval '365 days' * i / $EXCHANGES + interval '3 seconds',
       2000 + floor(random() * 4000)::int, 1, CASE WHEN i % 200 = 0 THEN 'DeadLettered' ELSE 'Answered' END
FROM generate_series(1, $EXCHANGES) AS i, words;

INSERT INTO safety_decisions ("ExchangeId", "AppId", "OpenId", "Direction", "Source", "Blocked", "Rule", "SpanStart", "SpanLength", "Excerpt", "DecidedAt")
SELECT "Id", "AppId", "OpenId", 'Question', 'WordList', true, '违禁词', 0, 3, '违禁词', "ReceivedAt" FROM chat_exchanges WHERE "Id" % 100 = 0;

-- Every user's LastSeenAt is their last exchange, as the recorder keeps it.
UPDATE wechat_users u SET "LastSeenAt" = e.last FROM (SELECT "OpenId", max("ReceivedAt") AS last FROM chat_exchanges GROUP BY "OpenId") e WHERE u."OpenId" = e."OpenId";

INSERT INTO orders ("OutTradeNo", "AppId", "OpenId", "ProductId", "ProductName", "AmountFen", "Credits", "ValidityDays", "State", "Channel",
                    "CreatedAt", "UpdatedAt", "PaidAt", "RefundedAt", "Mismatch")
SELECT 'WB' || lpad(i::text, 10, '0'), '$APP', 'o' || substr(md5((1 + floor($USERS * random() ^ 2))::int::text), 1, 27), 'p100', '100 次提问', 600, 100, 30,
       s, CASE WHEN i % 3 = 0 THEN 'Native' ELSE 'Jsapi' END, t, t,
       CASE WHEN s IN ('Paid', 'Refunded') THEN t + interval '1 minute' END, CASE WHEN s = 'Refunded' THEN t + interval '1 day' END, false
FROM (SELECT i, now() - interval '365 days' + interval '365 days' * i / $ORDERS AS t,
             CASE WHEN i % 20 = 0 THEN 'Refunded' WHEN i % 20 = 1 THEN 'Pending' WHEN i % 5 = 2 THEN 'Closed' ELSE 'Paid' END AS s
      FROM generate_series(1, $ORDERS) AS i) AS o;

INSERT INTO refunds ("OutRefundNo", "OrderId", "OutTradeNo", "AmountFen", "CreditsReversed", "State", "CreatedAt", "UpdatedAt", "SucceededAt")
SELECT 'R' || "OutTradeNo", "Id", "OutTradeNo", "AmountFen", 50, 'Success', "RefundedAt", "RefundedAt", "RefundedAt" FROM orders WHERE "State" = 'Refunded';
SQL
echo "   seeded in ${SECONDS} s; building the indexes"
SECONDS=0
db -c "SET maintenance_work_mem = '512MB'" -f "$WORK/indexes.sql" >/dev/null
db -c "VACUUM ANALYZE" >/dev/null
echo "   indexes built and analyzed in ${SECONDS} s"

HEAVY=$(db -At -c "SELECT \"OpenId\" FROM chat_exchanges GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
TYPICAL=$(db -At -c "SELECT \"OpenId\" FROM (SELECT \"OpenId\", count(*) AS n FROM chat_exchanges GROUP BY 1) c ORDER BY abs(n - 20) LIMIT 1")
PREFIX=${TYPICAL:0:8}
NEWEST=$(db -At -c 'SELECT max("Id") FROM chat_exchanges')
MONTH_AGO=$(db -At -c "SELECT to_char((now() - interval '30 days') AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")
NOW=$(db -At -c "SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")
echo "== heavy user $HEAVY ($(db -At -c "SELECT count(*) FROM chat_exchanges WHERE \"OpenId\" = '$HEAVY'") exchanges), typical $TYPICAL, prefix $PREFIX"

USER_COLUMNS='w."AppId", w."OpenId", w."Blocked", w."BlockedAt", w."BlockedReason", w."FirstSeenAt", w."LastSeenAt", w."Nickname", w."Subscribed", w."UnsubscribedAt", (
    SELECT count(*)::int FROM chat_exchanges AS c0 WHERE c0."AppId" = w."AppId" AND c0."OpenId" = w."OpenId"), (
    SELECT substring(c1."Question", 1, 200) FROM chat_exchanges AS c1 WHERE c1."AppId" = w."AppId" AND c1."OpenId" = w."OpenId" ORDER BY c1."Id" DESC LIMIT 1)'
# user_search <q> [extra condition on the exchanges]: UserDirectory.SearchQuery's SQL for q.
user_search() {
  cat <<SQL
SELECT $USER_COLUMNS
FROM wechat_users AS w
WHERE w."AppId" = '$APP' AND (w."OpenId" LIKE '$1%' ESCAPE '\\' OR w."Nickname" ILIKE '%$1%' ESCAPE '\\' OR w."OpenId" IN (
    SELECT c."OpenId" FROM chat_exchanges AS c
    WHERE c."AppId" = '$APP' AND (c."Question" ILIKE '%$1%' ESCAPE '\\' OR c."Answer" ILIKE '%$1%' ESCAPE '\\')${2:-}))
ORDER BY w."LastSeenAt" DESC, w."OpenId" DESC
LIMIT 51
SQL
}
users_all() {
  cat <<SQL
SELECT $USER_COLUMNS
FROM wechat_users AS w
WHERE w."AppId" = '$APP'
ORDER BY w."LastSeenAt" DESC, w."OpenId" DESC
LIMIT 51
SQL
}
exchanges_page() {
  cat <<SQL
SELECT c0."Id", c0."Answer", c0."AnsweredAt", c0."AppId", c0."Attempts", c0."Blocked", c0."CompletionTokens", c0."Error", c0."JobId", c0."LatencyMs", c0."OpenId", c0."Outcome", c0."PromptTokens", c0."Question", c0."ReceivedAt", s."Id", s."AppId", s."Blocked", s."DecidedAt", s."Direction", s."Excerpt", s."ExchangeId", s."OpenId", s."Rule", s."Score", s."Source", s."SpanLength", s."SpanStart"
FROM (
    SELECT c."Id", c."Answer", c."AnsweredAt", c."AppId", c."Attempts", c."Blocked", c."CompletionTokens", c."Error", c."JobId", c."LatencyMs", c."OpenId", c."Outcome", c."PromptTokens", c."Question", c."ReceivedAt"
    FROM chat_exchanges AS c
    WHERE c."AppId" = '$APP' AND c."OpenId" = '$1' AND c."Id" < $2
    ORDER BY c."Id" DESC
    LIMIT 51
) AS c0
LEFT JOIN safety_decisions AS s ON c0."Id" = s."ExchangeId"
ORDER BY c0."Id" DESC
SQL
}
ORDER_COLUMNS='o."Id", o."AmountFen", o."AppId", o."Channel", o."ClosedAt", o."CodeUrl", o."CreatedAt", o."Credits", o."Mismatch", o."MismatchReason", o."OpenId", o."OutTradeNo", o."PaidAmountFen", o."PaidAt", o."PrepayId", o."ProductId", o."ProductName", o."RefundedAt", o."State", o."TransactionId", o."UpdatedAt", o."ValidityDays", o.xmin'
orders_page() { echo "SELECT $ORDER_COLUMNS FROM orders AS o WHERE o.\"Id\" < 9223372036854775807$1 ORDER BY o.\"Id\" DESC LIMIT 51"; }
revenue() {
  cat <<SQL
SELECT day AS "Day", sum(paid)::int AS "PaidOrders", sum(revenue)::bigint AS "RevenueFen", sum(refunded)::bigint AS "RefundedFen"
FROM (
    SELECT (("PaidAt" AT TIME ZONE 'UTC') + interval '8 hours')::date AS day, 1 AS paid, "AmountFen" AS revenue, 0 AS refunded
    FROM orders WHERE "PaidAt" >= '$MONTH_AGO' AND "PaidAt" < '$NOW'
    UNION ALL
    SELECT (("SucceededAt" AT TIME ZONE 'UTC') + interval '8 hours')::date, 0, 0, "AmountFen"
    FROM refunds WHERE "State" = 'Success' AND "SucceededAt" >= '$MONTH_AGO' AND "SucceededAt" < '$NOW'
) AS money
GROUP BY day
SQL
}
# What an overview reading chat_exchanges for its 30 China days would run (the ReceivedAt index).
overview_days() {
  cat <<SQL
SELECT (("ReceivedAt" AT TIME ZONE 'UTC') + interval '8 hours')::date AS day, count(*) AS received, count("AnsweredAt") AS answered
FROM chat_exchanges WHERE "ReceivedAt" >= '$MONTH_AGO' AND "ReceivedAt" < '$NOW' GROUP BY day
SQL
}

# measure <name> <sql>: RUNS warm runs (one before, unmeasured); prints the median execution time, the rows, the indexes.
RESULTS=()
measure() {
  local name=$1 sql=$2 file="$WORK/$(echo "$1" | tr -c 'A-Za-z0-9' '_').plan" times=()
  db -At -c "$sql" >/dev/null
  for ((i = 0; i < RUNS; i++)); do
    db -At -c "EXPLAIN (ANALYZE, BUFFERS) $sql" >"$file"
    times+=("$(sed -n 's/^Execution Time: \([0-9.]*\) ms$/\1/p' "$file")")
  done
  local median rows indexes
  median=$(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  rows=$(db -At -c "SELECT count(*) FROM ($sql) AS q")
  indexes=$(grep -oE '(Index Only Scan|Index Scan)( Backward)? using "?[A-Za-z_]+|Bitmap Index Scan on "?[A-Za-z_]+|Seq Scan on [a-z_]+' "$file" \
    | sed -E 's/"//g; s/^(Index Only Scan|Index Scan)( Backward)? using /\1\2 /' | sort | uniq -c | awk '{c=$1; $1=""; print substr($0,2) (c>1?" x"c:"")}' | paste -sd ';' -)
  RESULTS+=("$(printf '%-44s %9s ms %6s rows   %s' "$name" "$median" "$rows" "$indexes")")
  echo "   $name: $median ms"
}

echo "== page queries, $RUNS warm runs each (median of EXPLAIN ANALYZE's execution time)"
measure "users: all, newest first" "$(users_all)"
measure "users: OpenID prefix ($PREFIX)" "$(user_search "$PREFIX")"
measure "users: OpenID exact" "$(user_search "$TYPICAL")"
measure "users: nickname (客户12)" "$(user_search '客户12')"
measure "users: text, 4 characters (退款失败)" "$(user_search '退款失败')"
measure "users: text, rare word (Kubernetes)" "$(user_search 'Kubernetes')"
measure "users: text, 2 characters (退款, newest 20k)" "$(user_search '退款' " AND c.\"Id\" > $((NEWEST - 20000))")"
measure "exchanges: typical user, first page" "$(exchanges_page "$TYPICAL" 9223372036854775807)"
measure "exchanges: heaviest user, first page" "$(exchanges_page "$HEAVY" 9223372036854775807)"
measure "exchanges: heaviest user, a later page" "$(exchanges_page "$HEAVY" "$(db -At -c "SELECT \"Id\" FROM chat_exchanges WHERE \"OpenId\" = '$HEAVY' ORDER BY \"Id\" LIMIT 1 OFFSET 100")")"
measure "orders: newest, no filter" "$(orders_page '')"
measure "orders: state paid, last 30 days" "$(orders_page " AND o.\"State\" = 'Paid' AND o.\"CreatedAt\" >= '$MONTH_AGO' AND o.\"CreatedAt\" < '$NOW'")"
measure "orders: state refunded" "$(orders_page " AND o.\"State\" = 'Refunded'")"
measure "orders: one user" "$(orders_page " AND o.\"AppId\" = '$APP' AND o.\"OpenId\" = '$TYPICAL'")"
measure "orders: 3 months ago, one week" "$(orders_page " AND o.\"CreatedAt\" >= now() - interval '97 days' AND o.\"CreatedAt\" < now() - interval '90 days'")"
measure "revenue: 30 China days" "$(revenue)"
measure "overview: 30 days from chat_exchanges" "$(overview_days)"

echo
echo "== results ($EXCHANGES exchanges, $USERS users, $ORDERS orders; PostgreSQL $(db -At -c 'SHOW server_version'))"
printf '%-44s %12s %11s   %s\n' "query" "median" "rows" "plan: scans (index or table)"
printf '%s\n' "${RESULTS[@]}"
echo "database size: $(db -At -c "SELECT pg_size_pretty(pg_database_size('wechatdb'))"); trigram indexes: $(db -At -c "SELECT pg_size_pretty(sum(pg_relation_size(quote_ident(indexname)::regclass))) FROM pg_indexes WHERE indexdef LIKE '%gin_trgm_ops%'")"
