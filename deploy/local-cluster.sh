#!/usr/bin/env bash
# N nodes of `drover serve` on 127.0.0.1 sharing one PostgreSQL journal: a cluster to try on one
# machine. See README.md, "Running a cluster".
#
#   deploy/local-cluster.sh up 3     # start nodes 1..3, print each node's HTTP address and a token
#   deploy/local-cluster.sh status   # each node: pid, health
#   deploy/local-cluster.sh down     # stop them (SIGTERM: running jobs get their grace period)
#
# Environment (defaults in brackets):
#   DROVER_JOURNAL            JDBC URL of the shared journal [jdbc:postgresql://127.0.0.1:5432/postgres]
#   DROVER_JOURNAL_USER       its user [postgres]; the password comes from DROVER_JOURNAL_PASSWORD
#   DROVER_PIPELINES          directory of pipelines files [examples]
#   DROVER_HTTP_PORT          HTTP port of node 1, node i gets +i-1 [9101]
#   DROVER_CLUSTER_PORT       cluster port of node 1 [25601]
#   DROVER_HEALTH_PORT        health port of node 1 [8601]
# Each node keeps its data in .drover/cluster/node-<i>/ (its log: serve.log there); the nodes
# share the cluster keys and the JWT secret in .drover/cluster/ (mode 0600).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd -P)
drover="$root/bin/drover"
dir=".drover/cluster"
journal=${DROVER_JOURNAL:-jdbc:postgresql://127.0.0.1:5432/postgres}
journal_user=${DROVER_JOURNAL_USER:-postgres}
pipelines=${DROVER_PIPELINES:-$root/examples}
http_base=${DROVER_HTTP_PORT:-9101}
cluster_base=${DROVER_CLUSTER_PORT:-25601}
health_base=${DROVER_HEALTH_PORT:-8601}

usage() {
  echo "usage: $0 up N | down | status" >&2
  exit 2
}

nodes() {
  ls -d "$dir"/node-* 2>/dev/null | sed 's/.*node-//' | sort -n
}

alive() {
  [ -f "$dir/node-$1/pid" ] && kill -0 "$(cat "$dir/node-$1/pid")" 2>/dev/null
}

ready() {
  curl -fsS -o /dev/null "http://127.0.0.1:$((health_base + $1 - 1))/health/ready" 2>/dev/null
}

secret() {
  cat "$dir/jwt-secret"
}

up() {
  local n=$1
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || usage
  [ -x "$drover" ] || { echo "build Drover first: mvn -B -q -DskipTests package" >&2; exit 2; }
  mkdir -p "$dir"
  chmod 700 "$dir"
  [ -d "$dir/keys" ] || "$drover" cluster-keys init "$dir/keys" >/dev/null
  if [ ! -f "$dir/jwt-secret" ]; then
    (umask 077 && head -c 48 /dev/urandom | base64 | tr -d '\n/+=' > "$dir/jwt-secret")
  fi
  for i in $(seq 1 "$n"); do
    if alive "$i"; then
      echo "node $i runs already (pid $(cat "$dir/node-$i/pid"))"
      continue
    fi
    mkdir -p "$dir/node-$i"
    local seed=()
    [ "$i" -gt 1 ] && seed=(--seed "127.0.0.1:$cluster_base")
    DROVER_JWT_SECRET=$(secret) DROVER_JAVA_OPTS="${DROVER_JAVA_OPTS:-} -Ddrover.cluster.journal-user=$journal_user" \
      nohup "$drover" serve --path "$pipelines" \
        --address "127.0.0.1:$((http_base + i - 1))" --data "$dir/node-$i" \
        --cluster-address "127.0.0.1:$((cluster_base + i - 1))" "${seed[@]}" \
        --journal "$journal" --cluster-keys "$dir/keys" \
        --management-address "127.0.0.1:$((health_base + i - 1))" \
        >> "$dir/node-$i/serve.log" 2>&1 &
    echo $! > "$dir/node-$i/pid"
    if [ "$i" -eq 1 ]; then
      # the others join node 1: it must form the cluster first
      wait_ready 1
    fi
  done
  for i in $(seq 1 "$n"); do
    wait_ready "$i"
  done
  for i in $(seq 1 "$n"); do
    echo "node $i: http://127.0.0.1:$((http_base + i - 1))  (health http://127.0.0.1:$((health_base + i - 1))/health/ready)"
  done
  echo "token: $(DROVER_JWT_SECRET=$(secret) "$drover" token --sub local --ttl 12h)"
  echo "e.g. curl -H \"Authorization: \$TOKEN\" http://127.0.0.1:$http_base/pipelines"
}

wait_ready() {
  for _ in $(seq 1 180); do
    if ready "$1"; then
      return 0
    fi
    if ! alive "$1"; then
      echo "node $1 stopped; its log, $dir/node-$1/serve.log, ends with:" >&2
      tail -n 5 "$dir/node-$1/serve.log" >&2
      exit 1
    fi
    sleep 1
  done
  echo "node $1 is not ready after 180 s; see $dir/node-$1/serve.log" >&2
  exit 1
}

down() {
  for i in $(nodes); do
    if alive "$i"; then
      kill -TERM "$(cat "$dir/node-$i/pid")"
    fi
  done
  for i in $(nodes); do
    for _ in $(seq 1 45); do
      alive "$i" || break
      sleep 1
    done
    if alive "$i"; then
      kill -KILL "$(cat "$dir/node-$i/pid")"
    fi
    rm -f "$dir/node-$i/pid"
    echo "node $i stopped"
  done
}

status() {
  local any=0
  for i in $(nodes); do
    any=1
    if alive "$i"; then
      if ready "$i"; then state=ready; else state="not ready"; fi
      echo "node $i: pid $(cat "$dir/node-$i/pid"), $state, http://127.0.0.1:$((http_base + i - 1))"
    else
      echo "node $i: stopped"
    fi
  done
  [ "$any" = 1 ] || echo "no nodes under $dir"
}

case "${1:-}" in
  up) [ $# -eq 2 ] || usage; up "$2" ;;
  down) down ;;
  status) status ;;
  *) usage ;;
esac
