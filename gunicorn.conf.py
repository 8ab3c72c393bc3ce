"""gunicorn settings: `gunicorn -c gunicorn.conf.py wsgi:app`.

The access log leaves out the client address, user agent, referrer and query string, and hides the
token of a set-up link; gunicorn's own warnings lose the client address too (intake/web/
gunicorn_hooks.py). X-Forwarded-For is not trusted either (nothing reads it). The Server header names
no software, and gunicorn's answers to requests it cannot parse quote nothing the client sent.
"""

import os
import sys

import gunicorn.http.wsgi
import gunicorn.util

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # the project, before gunicorn adds it

from intake.web.gunicorn_hooks import write_neutral_error  # noqa: E402

# Every response carries a Server header; by default it says "gunicorn". Sent empty instead, so a
# prober learns nothing about the software in front of it.
gunicorn.http.wsgi.SERVER = ""
# gunicorn's own error page echoes the malformed request line or header back.
gunicorn.util.write_error = write_neutral_error

accesslog = "-"
access_log_format = '- - %(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
logger_class = "intake.web.gunicorn_hooks.QuietLogger"
errorlog = "-"
forwarded_allow_ips = ""
workers = 2
timeout = 60
