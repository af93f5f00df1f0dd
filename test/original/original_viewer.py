#!/usr/bin/python3
"""Plays the original photoframe viewer (see ../../../shared/original-protocol.md):
reads a display's keys and converts them as its code does, collects the watch
events a prefix receives, and registers with a server and downloads from it.
Prints JSON; every way the original would crash or misread is a "problem"."""
import json
import logging
import sys
import time
import urllib.parse
import urllib.request

import etcd3

DEFAULTS = {"name": "", "description": "", "orientation": "H", "interval_time": 10, "interval_units": "m",
            "variance_pct": 0, "use_halflife": False, "brightness": 1.0, "contrast": 1.0, "saturation": 1.0,
            "log_level": "INFO"}


def client(endpoint):
    host, port = endpoint.replace("http://", "").rsplit(":", 1)
    return etcd3.client(host=host, port=int(port))


def read_settings(raw, problems):
    settings = dict(DEFAULTS)
    try:
        wire = json.loads(raw)
    except ValueError as error:
        problems.append("settings is not JSON: %s" % error)
        return settings
    for name, default in DEFAULTS.items():
        if name not in wire:
            continue
        value = wire[name]
        try:
            # Each known field takes the type of the value it held.
            if isinstance(default, bool):
                converted = bool(value)
            else:
                converted = type(default)(value)
        except (TypeError, ValueError) as error:
            problems.append("%s: %s" % (name, error))
            continue
        if isinstance(default, int) and not isinstance(default, bool) and isinstance(value, float) and value != int(value):
            problems.append("%s: %r is truncated to %d" % (name, value, converted))
        settings[name] = converted
    if name_missing(wire, "interval_units"):
        problems.append("interval_units missing: read as minutes")
    unit = str(settings["interval_units"])[:1].lower()
    if unit not in ("s", "m", "h", "d"):
        problems.append("interval_units %r has no known first letter" % settings["interval_units"])
    if not isinstance(logging.getLevelName(settings["log_level"]), int):
        problems.append("log_level %r is not a Python level name" % settings["log_level"])
    return settings


def name_missing(wire, name):
    return name not in wire


def read(endpoint, display):
    etcd = client(endpoint)
    problems = []
    raw_settings, _ = etcd.get("/%s:settings" % display)
    raw_images, _ = etcd.get("/%s:images" % display)
    settings = read_settings(raw_settings, problems) if raw_settings is not None else dict(DEFAULTS)
    images = []
    if raw_images is not None:
        try:
            images = json.loads(raw_images)
        except ValueError as error:
            problems.append("images is not JSON: %s" % error)
    return {"settings": settings, "images": images, "problems": problems}


def events(endpoint, display, start_revision, count):
    etcd = client(endpoint)
    iterator, cancel = etcd.watch_prefix("/%s:" % display, start_revision=int(start_revision))
    seen = []
    for event in iterator:
        seen.append({"key": event.key.decode(), "mod_revision": event.mod_revision})
        if len(seen) >= int(count):
            break
    cancel()
    return seen


def hear(endpoint, display, count, timeout):
    """The original viewer's watch loop: one watch, its first event only, then watch again."""
    etcd = client(endpoint)
    heard = []
    print("ready", flush=True)
    deadline = time.time() + float(timeout)
    while len(heard) < int(count) and time.time() < deadline:
        try:
            event = etcd.watch_prefix_once("/%s:" % display, timeout=max(0.1, deadline - time.time()))
        except etcd3.exceptions.WatchTimedOut:
            break
        heard.append(event.key.decode())
    return heard


def register(url, pkid, freespace):
    body = urllib.parse.urlencode({"pkid": pkid, "freespace": freespace}).encode()
    with urllib.request.urlopen(urllib.request.Request(url, data=body), timeout=10) as response:
        reply = json.loads(response.read())
    if not (isinstance(reply, list) and len(reply) == 2 and reply[0] == pkid and isinstance(reply[1], list)):
        raise SystemExit("unexpected registration reply %r" % (reply,))
    return reply


def download(url, out):
    with urllib.request.urlopen(url, timeout=10) as response, open(out, "wb") as target:
        target.write(response.read())
        return {"status": response.status, "type": response.headers.get("Content-Type")}


def main(argv):
    command = argv[1]
    if command == "read":
        result = read(argv[2], argv[3])
    elif command == "events":
        result = events(argv[2], argv[3], argv[4], argv[5])
    elif command == "hear":
        result = hear(argv[2], argv[3], argv[4], argv[5])
    elif command == "register":
        result = register(argv[2], argv[3], argv[4])
    elif command == "download":
        result = download(argv[2], argv[3])
    else:
        print("unknown command %s" % command, file=sys.stderr)
        return 2
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
