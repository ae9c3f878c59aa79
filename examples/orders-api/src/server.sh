#!/bin/sh
# Serve the API on $PORT in the foreground; logs go to stdout/stderr (the platform ships them).
echo "orders-api listening on :${PORT:-8080} (log level ${LOG_LEVEL:-info})"
exec httpd -f -v -p "0.0.0.0:${PORT:-8080}" -h /app/www
