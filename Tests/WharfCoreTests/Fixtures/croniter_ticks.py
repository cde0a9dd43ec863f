"""Reads cron cases as JSON on stdin and prints each case's next ticks by croniter, an
independent implementation (PyPI), as JSON on stdout: [[epoch seconds, ...], ...].

A case: {"expr": "...", "zone": "Asia/Tokyo", "start": <epoch seconds>, "count": 5}.
Six-field expressions have the seconds field first, as Wharf reads them.
"""
import datetime
import json
import sys
from zoneinfo import ZoneInfo

from croniter import croniter

results = []
for case in json.load(sys.stdin):
    zone = ZoneInfo(case["zone"])
    start = datetime.datetime.fromtimestamp(case["start"], tz=zone)
    six = len(case["expr"].split()) == 6
    it = croniter(case["expr"], start, second_at_beginning=six)
    results.append([int(it.get_next(datetime.datetime).timestamp()) for _ in range(case["count"])])
json.dump(results, sys.stdout)
