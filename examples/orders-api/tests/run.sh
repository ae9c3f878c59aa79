#!/bin/sh
# orders-api's tests, runnable with busybox sh in the built image (network none is enough:
# loopback only). Starts the server, checks each endpoint with nc, writes JUnit XML to
# $JUNIT_XML when set, and exits non-zero when a test fails.
PORT=18080
httpd -f -p "127.0.0.1:$PORT" -h /app/www &
server=$!
trap 'kill $server 2>/dev/null' EXIT
i=0
until printf 'GET /healthz HTTP/1.0\r\n\r\n' | nc 127.0.0.1 "$PORT" >/dev/null 2>&1 || [ $i -ge 50 ]; do
    sleep 0.1; i=$((i + 1))
done

tests=0 failures=0 cases=""
check() {  # name path expected-text
    tests=$((tests + 1))
    got=$(printf 'GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n' "$2" | nc 127.0.0.1 "$PORT" 2>&1)
    if printf '%s' "$got" | grep -q "$3"; then
        echo "ok    $1"
        cases="$cases<testcase classname=\"orders-api\" name=\"$1\"/>"
    else
        echo "FAIL  $1: expected '$3' from GET $2, got: $(printf '%s' "$got" | head -1)"
        failures=$((failures + 1))
        cases="$cases<testcase classname=\"orders-api\" name=\"$1\"><failure message=\"expected $3\"/></testcase>"
    fi
}

check healthz_answers_ok /healthz '^ok'
check orders_are_json /cgi-bin/orders '"orders": \['
check unknown_path_is_404 /nope '404'

if [ -n "${JUNIT_XML:-}" ]; then
    mkdir -p "$(dirname "$JUNIT_XML")"
    printf '<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="orders-api" tests="%s" failures="%s">%s</testsuite>\n' \
        "$tests" "$failures" "$cases" > "$JUNIT_XML"
fi
echo "$tests tests, $failures failures"
[ "$failures" -eq 0 ]
