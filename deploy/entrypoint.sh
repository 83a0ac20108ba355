#!/bin/sh
# How the app's processes start: in the container (deploy/Containerfile's ENTRYPOINT) and
# in CI (tests/test_scale_out.py starts its two instances with `deploy/entrypoint.sh web`).
#   web      the app under gunicorn on $BIND with $WEB_CONCURRENCY sync workers (one request at a
#            time each, behind the proxy that buffers slow clients)
#   worker   the outbox worker: link mails and e-mail (run one or more)
#   migrate  the database migrations (run once per release, before rolling the instances)
set -eu
role="${1:-web}"
[ $# -gt 0 ] && shift
case "$role" in
  web)
    exec gunicorn \
      --bind "${BIND:-0.0.0.0:8000}" \
      --workers "${WEB_CONCURRENCY:-2}" \
      --worker-class sync \
      --graceful-timeout 20 \
      --access-logfile "${ACCESS_LOG:--}" \
      --log-level "${LOG_LEVEL:-info}" \
      wsgi:app "$@"
    ;;
  worker)
    exec flask --app wsgi outbox work "$@"
    ;;
  migrate)
    exec flask --app wsgi db upgrade "$@"
    ;;
  *)
    exec "$role" "$@"
    ;;
esac
