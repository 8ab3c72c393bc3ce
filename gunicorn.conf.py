"""gunicorn settings: `gunicorn -c gunicorn.conf.py wsgi:app`.

The access log leaves out the client address, user agent and referrer: the service must not keep
anything that says who reported. X-Forwarded-For is not trusted either (nothing reads it). The Server header names no
software.
"""

import gunicorn.http.wsgi

# Every response carries a Server header; by default it says "gunicorn". Sent empty instead, so a
# prober learns nothing about the software in front of it.
gunicorn.http.wsgi.SERVER = ""

accesslog = "-"
access_log_format = '- - %(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
forwarded_allow_ips = ""
workers = 2
timeout = 60
