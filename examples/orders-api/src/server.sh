#!/bin/sh
# Serve the API on $PORT; logs go to stdout/stderr (the platform ships them). As PID 1 the shell
# must forward SIGTERM itself, so ECS (and docker stop) get a clean, fast shutdown.
echo "orders-api listening on :${PORT:-8080} (log level ${LOG_LEVEL:-info})"
httpd -f -v -p "0.0.0.0:${PORT:-8080}" -h /app/www &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server"; exit 0' TERM INT
wait "$server"
