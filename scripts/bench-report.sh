#!/usr/bin/env bash
# Turns scripts/bench.sh's results (key|value lines) into docs/benchmarks.md and prints the
# summary table. Usage: bench-report.sh RESULTS OUT JOBS SCALE XMIN_SECONDS
set -euo pipefail
results=$1 out=$2 n=$3 scale=$4 xmin=$5
get() { grep "^$1|" "$results" | tail -1 | cut -d'|' -f2; }
check() {  # "met"/"missed" for value op target (numbers only)
  awk -v v="$1" -v t="$3" -v op="$2" 'BEGIN { ok = (op == ">=") ? (v + 0 >= t + 0) : (v + 0 <= t + 0); print ok ? "met" : "**missed**" }'
}
pct_num() { echo "${1%\%}"; }
cpu=$(lscpu 2>/dev/null | awk -F: '/Model name/ { gsub(/^ +/, "", $2); print $2; exit }')
cores=$(nproc)
mem=$(free -g | awk '/^Mem:/ { print $2 " GiB" }')
pg=$(psql "$DATABASE_URL" -XAtq -c "SHOW server_version" 2>/dev/null || echo "?")
swiftv=$(swift --version 2>/dev/null | head -1 | sed 's/^.*Swift version \([0-9.]*\).*$/\1/')
rss_idle=$(( $(get rss_idle_kb) / 1024 ))
rss_load=$(( $(get rss_load_c1000_kb) / 1024 ))
ratio=$(pct_num "$(get drain_ratio)")
xmin_cost=$(pct_num "$(get xmin_cost)")
scale_ratio=$(pct_num "$(get scale_ratio)")
cron_ratio=$(pct_num "$(get cron_drain_ratio)")
recovery_default_target=32; recovery_short_target=7
# The drain-by-slots row with the lowest share of its raw loop.
slots_min=$(for c in 1 8 32 100 1000; do for p in 1 2; do echo "$(pct_num "$(get "slots_ratio_${p}x${c}")") $c×$p"; done; done | sort -n | head -1)

table=$(cat <<TABLE
| figure | measured | target | |
|---|---|---|---|
| drain rate, best config ($(get drain_best_cfg): processes × slots each) | $(get drain_best) jobs/s | ≥ 12,000 jobs/s | $(check "$(get drain_best)" ">=" 12000) |
| drain rate as a share of the raw SQL limit ($(get raw_best) jobs/s at batch $(get raw_best_batch)) | $(get drain_ratio) | ≥ 50% | $(check "$ratio" ">=" 50) |
| the raw loop with Wharf's own claim and completion statements, batch $(get raw_best_batch) (pgbench, no runtime) | $(get raw_wharf_sql) jobs/s | | |
| batch enqueue through the store (1,000 per statement, 4 connections) | $(get enqueue_batch) jobs/s | ≥ 50,000 jobs/s | $(check "$(get enqueue_batch)" ">=" 50000) |
| enqueue one by one, \`wharf.enqueue(...)\` (4 clients, one transaction each) | $(get enqueue_one) jobs/s | | |
| batch enqueue through SQL, \`wharf.enqueue_batch(jsonb)\` (1,000 a call, 4 clients) vs \`wharf.enqueue(...)\` once per row (1,000 a statement) | $(get enqueue_sql_batch) vs $(get enqueue_sql_rows) jobs/s | ≥ 50,000 jobs/s | $(check "$(get enqueue_sql_batch)" ">=" 50000) |
| batch enqueue through the API, \`POST /api/v1/jobs\` with \`{"jobs": [...]}\` (1,000 a request, 4 clients) | $(get enqueue_api_batch) jobs/s | ≥ 20,000 jobs/s | $(check "$(get enqueue_api_batch)" ">=" 20000) |
| idle enqueue-to-start p50 / p95 / p99 | $(get idle_p50_ms) / $(get idle_p95_ms) / $(get idle_p99_ms) ms | p50 ≤ 3 ms, p99 ≤ 20 ms | $(check "$(get idle_p50_ms)" "<=" 3), $(check "$(get idle_p99_ms)" "<=" 20) |
| enqueue-to-start at half the best drain rate ($(get load_rate) jobs/s) p50 / p95 / p99 | $(get load_p50_ms) / $(get load_p95_ms) / $(get load_p99_ms) ms | | |
| kill -9 → running elsewhere, default lease TTL 30 s | $(get recovery_default_s) s | ≤ 32 s | $(check "$(get recovery_default_s)" "<=" $recovery_default_target) |
| kill -9 → running elsewhere, lease TTL 5 s | $(get recovery_short_s) s | ≤ 7 s | $(check "$(get recovery_short_s)" "<=" $recovery_short_target) |
| \`pg_terminate_backend\` of every worker connection → first job claimed after it completed (1 × 32, 1 ms jobs) | $(get backend_kill_s) s | ≤ 2 s | $(check "$(get backend_kill_s)" "<=" 2) |
| … completions in the 2 s after, as a share of the 2 s before; store calls that hit their time limit | $(get backend_kill_rate); $(get backend_kill_store_timeouts) | | |
| PostgreSQL restart → first job claimed after the server is back completed | $(get pg_restart_s) s | | |
| … completions in the 2 s after, as a share of the 2 s before; store calls that hit their time limit | $(get pg_restart_rate); $(get pg_restart_store_timeouts) | | |
| drain with $(get scale_rows) rows in the table vs 10 k finished rows | $(get scale_large) vs $(get scale_small) jobs/s ($(get scale_ratio)) | within 20% (≥ 80%) | $(check "$scale_ratio" ">=" 80) |
| \`/metrics\` scrape at that size (median of 21) | $(get scrape_ms) ms | ≤ 10 ms | $(check "$(get scrape_ms)" "<=" 10) |
| the sampler's database reads at that size (every 5 s) | $(get sample_ms) ms | | |
| \`/api/v1/overview\` (the dashboard's request) at that size | $(get overview_ms) ms | | |
| drain with a held xmin (${xmin} s) vs without | $(get xmin_with) vs $(get xmin_without) jobs/s (cost $(get xmin_cost)) | cost ≤ 25% | $(check "$xmin_cost" "<=" 25) |
| dead tuples in \`jobs\` after the drain, with / without the held xmin | $(get dead_tuples_with) / $(get dead_tuples_without) | | |
| drain by slots (1–1,000 slots × 1–2 processes): the lowest share of the matching raw loop (\`synchronous_commit\` off; table below) | ${slots_min%% *}% at ${slots_min#* } | ≥ 70% at every row | $(check "${slots_min%% *}" ">=" 70) |
| cron: tick to enqueue with 10,000 schedules due every minute, p50 / p99 | $(get cron_lag_p50_ms) / $(get cron_lag_p99_ms) ms | p99 ≤ 1,000 ms | $(check "$(get cron_lag_p99_ms)" "<=" 1000) |
| cron: the leader's pass over those 10,000 due schedules (first insert to last) | $(get cron_pass_ms) ms | | |
| drain while 100 every-second schedules fire ($(get cron_drain_jobs) ticks enqueued meanwhile) vs without | $(get cron_drain_with) vs $(get cron_drain_without) jobs/s ($(get cron_drain_ratio)) | within 10% (≥ 90%) | $(check "$cron_ratio" ">=" 90) |
| RSS of an idle \`wharf worker\` (HTTP side on) / a worker under full load (1 × 1000) | ${rss_idle} / ${rss_load} MiB | idle ≤ 30 MB | $(check "$rss_idle" "<=" 30) |
TABLE
)

drains=$(for p in 1 2 4; do for c in 64 256 1000; do echo "| $p | $c | $(get "drain_p${p}_c${c}") |"; done; done)
rss_by_conc=$(for c in 64 256 1000; do echo "| 1 × $c | $(( $(get "rss_load_c${c}_kb") / 1024 )) MiB |"; done)
raws=$(for b in 1 10 100 500; do echo "| $b | $(get "raw_batch_$b") |"; done)
# "Before": the same section of this script run on main at 1468d76 (claim in BEGIN ... COMMIT, a
# separate completion statement), on this machine on 2026-12-03, a separate run.
declare -A before=([1x1]="566 · 1095 + 1123" [2x1]="1,012 · 878 + 954" [1x8]="1,626 · 368 + 457" [2x8]="3,052 · 246 + 354"
  [1x32]="5,051 · 104 + 181" [2x32]="6,572 · 105 + 221" [1x100]="8,177 · 59 + 113" [2x100]="12,444 · 45 + 103"
  [1x1000]="15,053 · 32 + 86" [2x1000]="23,248 · 24 + 65")
slots=$(for c in 1 8 32 100 1000; do for p in 1 2; do k="${p}x${c}"
  echo "| $c × $p | $(get "slots_enqueues_$k") · $(get "slots_enqueues_cpu_$k") | $(get "slots_enqueues_per_claim_$k") | $(get "slots_all_$k") · $(get "slots_all_cpu_$k") | $(get "slots_raw_on_$k") · $(get "slots_raw_on_cpu_$k") | $(get "slots_raw_off_$k") · $(get "slots_raw_off_cpu_$k") | $(get "slots_ratio_$k") | ${before[$k]} |"
done; done)

cat > "$out" <<DOC
# Benchmarks

Measured by \`make bench\` ([scripts/bench.sh](../scripts/bench.sh)) on $(date -u +%Y-%m-%d): $cores cores ($cpu),
$mem, PostgreSQL $pg on the same machine with \`fsync\` on (a commit costs about 1.1 ms here),
Swift $swiftv, release builds. The machine is shared and noisy, so each comparison below is made
within one run; re-run \`make bench\` for your own figures.

$table

## Method

- **Drain**: $n no-op jobs inserted in one statement (each with its \`enqueued\` history entry), then
  worker processes started; the rate is jobs ÷ (last \`finished_at\` − first \`started_at\`), read from
  the database. The workers are \`WharfTestWorker\` processes: the same runtime as \`wharf worker\`, with
  Swift no-op handlers (an \`exec\` handler would measure process spawning instead).
- **Raw SQL limit**: \`pgbench\` with 4 clients running a minimal claim (\`FOR UPDATE SKIP LOCKED\`,
  batch N) and completion on the same \`wharf.jobs\` table and claim index, without leases' history,
  heartbeats or fencing. The best batch size is the limit Wharf is compared with.
- **Enqueue**: \`pgbench\` calling \`wharf.enqueue('noop')\` (one job per transaction, 4 clients, 10 s);
  batches through \`PostgresJobStore.enqueue\` (\`JobInsertMany\`, one \`unnest\` INSERT per 1,000 jobs)
  from [WharfBench](../Sources/WharfBench).
- **Latency**: \`started_at − created_at\` of every job, both on the database clock. Idle: one worker
  (concurrency 8, poll interval 30 s, so only LISTEN/NOTIFY wakes it), jobs enqueued one per
  transaction at 50/s for 10 s. Under load: the best drain configuration fed batches of 100 at half
  its drain rate for 15 s.
- **Recovery after cut connections**: one worker (32 slots) drains 30,000 jobs of 1 ms; once
  1,000 are done, every Wharf backend is killed with \`pg_terminate_backend\`, or the server is
  stopped and started again (\`pg_ctl stop -m fast\`, then start). The figure is the first
  \`started_at\` of a completed job after the fault (after the server is back, for the restart)
  minus the fault's time, both on the database clock.
- **Recovery**: a 10-minute job runs on worker A, worker B idles; A gets \`kill -9\`; the figure is
  B's \`started_at\` minus the kill. It is bounded by the lease TTL plus the reaper interval.
- **Table size**: drain rate with 10,000 finished rows in \`jobs\`, then with $scale more (inserted
  as completed jobs, then \`VACUUM ANALYZE\`); then \`wharf serve\` on that table with a backlog of
  10,000 due jobs and 1,000 dead ones: \`/metrics\` and \`/api/v1/overview\` timed with curl, and
  the sampler's own read time from \`wharf_monitoring_sample_duration_seconds\`.
- **Held xmin**: the best drain configuration, better of two drains each, with and without a session idle in transaction (holding
  back vacuum) for ${xmin} s; dead tuples from \`pg_stat_user_tables\` after each.
- **Memory**: RSS from \`ps\`: an idle \`wharf worker\` (HTTP side on, 4 s after start), and the
  largest sample during each single-process drain.

## What the figures say, and what was changed

The first round of this benchmark (2026-11-23, morning) missed three targets: drain rate (best
6,787 jobs/s, 2 × 64, 17% of the raw limit), held-xmin cost (66%) and idle RSS (37 MiB). The
drain rate and the held-xmin cost were traced and fixed; before/after figures below come from
[scripts/drain-cpu.sh](../scripts/drain-cpu.sh) (the same drain as here, one configuration at a
time, with the CPU time of the worker processes and of PostgreSQL), run back to back in the same
hour; single runs on a noisy machine, so read them as directions and sizes, not decimals.

**1. The prepared statements' generic plans walked the table.** PostgreSQL plans a prepared
statement for its parameters five times, then may switch to one generic plan that cannot see
\`LIMIT \$2\` and assumes it returns 10% of the matching rows. For the claim, which joined the
\`UPDATE\` with its \`picked\` CTE, that plan became a hash join over a sequential scan of
\`jobs\` (or a merge join through \`jobs_pkey\` from its first id) on every claim. The batch
completion, release and lease extension said \`AND state = 'running'\`, and with almost no running
rows in the statistics the planner scanned \`jobs_lease_expiry_idx\` once per element of the
batch. Larger batches made both worse, which is why more slots and more processes used to *lower*
the rate (4 × 64 fell to about 1,000 jobs/s). The claim now updates \`id = ANY(ARRAY(SELECT …))\`
(only a primary-key lookup can serve it) and the batch statements match on the lease token alone
(a token implies \`running\` by constraint). \`ClaimTests\` checks both generic plans. Drain:
1 × 256 1,325 → 12,706 jobs/s; 1 × 1000 1,807 → 15,413; 2 × 256 1,649 → 15,017; 4 × 64 about
1,000 → 8,983.

**2. One fencing token per claim statement, not per row.** \`EXPLAIN ANALYZE\` of a 500-row claim:
10.7 ms with \`nextval()\` per row, 6.5 ms without (both without the history entry, which adds
another 3.5 ms). The fence is the pair (id, token), and two claims of one job always come from
different statements. 1 × 1000: 17,642 → 20,272 jobs/s.

**3. The runtime's per-job cost.** A \`perf\` profile of a worker draining no-op jobs showed
malloc, retain/release and task switching spread over: three racing tasks per job (handler, a
\`Task.sleep\` for its timeout, a waiter on its stop signal), the rows' decoding (18 columns, the
largest single item at ~12%), and attaching job metadata to a logger (~9%: swift-log's stream
handler re-renders metadata on every change). On Linux a cancelled \`Task.sleep\` also leaves its
dispatch timer queued until the deadline (5 minutes by default): one timer per job run in that
window. Now each job is one handler task racing its stop signal; one task per process
(\`JobDeadlines\`) enforces timeouts; the claim returns 12 columns; the job's logger is built when
a handler reads it. Worker CPU per 100,000 no-op jobs at 1 × 1000: 3.9 s → 2.5 s.

**4. The benchmark disturbed what it measured.** Its wait for the end of a drain ran a
\`count(*)\` over the queue 10 times a second through the Debian \`psql\` wrapper (a Perl
script), on the same two cores. It now asks the partial indexes 4 times a second with the
\`psql\` binary.

**Where the time goes now.** At 1 × 1000 a worker spends about 25 µs of CPU per job and
PostgreSQL about 55 µs (claim and completion, history entries, index maintenance, WAL,
autovacuum); together they fill most of the two cores. In the same run \`pgbench\` with Wharf's
own statements (4 clients, batch $(get raw_best_batch)) reached $(get raw_wharf_sql) jobs/s against
$(get raw_best) for the minimal loop: the history entries, the fencing token and the pause check
cost that difference. The rest of the gap is the runtime's CPU on the same two cores. Slots
matter more than processes: each queue's concurrency is also the most a claim can fetch, so
1,000 slots claim about 500 jobs a statement where 64 claim about 30 (see all drain runs below).
Tried earlier and removed: coalescing claims (waiting up to 1–5 ms for half the slots to free
before claiming) made drains 2–5× slower. Kept from earlier: a reclaimed job keeps its \`run_at\`
(its place at the head of the queue) instead of \`now()\`, which had put a crashed worker's jobs
behind the whole backlog.

**Held xmin.** The generic-plan fix removed most of this cost too: the merge join walked
\`jobs_pkey\` through every row version, and with vacuum held back none of them could go. What
remains is inherent to a queue in a table: every claimed row leaves a dead entry at the head of
\`jobs_claimable_idx\`, and while an old snapshot exists PostgreSQL may not mark it dead, so each
claim steps over (and checks the heap for) every row claimed since the snapshot began: this run
measured $(get xmin_cost). Skipping them with a remembered position would break claim order
(priorities, reclaimed jobs), so we did not. Set \`idle_in_transaction_session_timeout\` on the
database, and keep the backlog's claims large (many slots per worker).

**Idle memory: still missed.** An idle \`wharf worker\` has about 4 MB of anonymous memory (heap,
stacks); the rest of its RSS is code pages of the binary and the Swift and Foundation libraries,
mapped in 64 KB runs by the kernel's fault-around. For scale, a Swift program that only prints
\`ProcessInfo.processInfo.hostName\` has 16 MB RSS on this machine; every dependency Wharf uses
(PostgresNIO, Hummingbird, AsyncHTTPClient) imports Foundation. The build options were measured
against the ~38 MiB of the default release build (idle \`wharf worker\`,
4 s after start, two samples each): linking the Swift runtime and Foundation statically
(\`--static-swift-stdlib\`) 35.4 MiB; static and \`-Osize\` 32.1 MiB; static, \`-Osize\` and a
non-PIE link (no load-time relocations) 31.4 MiB. None reaches 30 MB, so none was adopted: each
changes every release build, and \`-Osize\` trades speed for size. Getting there would take a
smaller binary, that is fewer dependencies, which is a product decision, not a tuning step. Under load a worker stays at 40–50 MiB whatever its slots (table below); the RSS of an
idle worker sampled for 90 s stayed at 38–39 MiB.

**Table size.** Comparisons take the better of two drains each, because a single drain on this
shared machine varied by up to 3× between runs (an earlier run measured 1,938 and 471 jobs/s
for the two sides, a later manual check 6,520 and 7,405 at 5 M rows). The claim, the reaper and
the monitoring reads use partial indexes whose size follows the live jobs, not the table; see
the plans in [sql.md](sql.md).

## Drain by slots per process

Each row: Wharf's drain (10,000 no-op jobs; 50,000 from 100 slots) with \`commit_wait\`
\`enqueues\` (the default) and \`all\`, beside the raw loop (\`raw.sql\` below, 5 s) with batch = slots
and clients = processes, with commits that wait and with \`synchronous_commit = off\` (the
durability Wharf's default gives claims and completions). Each cell: jobs/s · CPU µs per job (the
workers' + PostgreSQL's; for the raw loops PostgreSQL's). "Jobs per claim" counts claim
statements by the fencing tokens drawn. The share compares Wharf's default with the raw loop of
the same durability. "Before" is main before this round (claim inside \`BEGIN … COMMIT\`, completions
in statements of their own), measured by the same script in a separate run the same day.

| slots × processes | Wharf, \`enqueues\` | jobs per claim | Wharf, \`all\` | raw, commits wait | raw, \`synchronous_commit\` off | Wharf / raw off | before: Wharf, \`enqueues\` |
|---|---|---|---|---|---|---|---|
$slots

## All drain runs

| processes | concurrency each | jobs/s |
|---|---|---|
$drains

## Worker RSS under load

| drain | largest RSS |
|---|---|
$rss_by_conc

## Raw SQL loop by batch size (pgbench, 4 clients)

| batch | jobs/s |
|---|---|
$raws
DOC
echo
echo "$table"
echo
echo "wrote $out"
