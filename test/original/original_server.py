#!/usr/bin/python3
"""Plays the original photoframe server against etcd, writing each key the way
its code does (see ../../../shared/original-protocol.md): Python json.dumps
values, settings in its heartbeat or edit-form encodings, "forward"/"back",
"now", a fresh UUID for current_display followed by its 0.5 s poll of /R:."""
import json
import sys
import time
import uuid

import etcd3


def client(endpoint):
    host, port = endpoint.replace("http://", "").rsplit(":", 1)
    return etcd3.client(host=host, port=int(port))


def heartbeat_settings(fields):
    # A display record saved on a heartbeat: ints, 0/1, decimal strings, "INFO", a new record's "M".
    record = {"name": "", "description": "", "orientation": "H", "interval_time": 10, "interval_units": "M",
              "variance_pct": 0, "use_halflife": 0, "brightness": "1.000", "contrast": "1.000",
              "saturation": "1.000", "log_level": "INFO"}
    for key, value in fields.items():
        if key in ("interval_time", "variance_pct"):
            record[key] = int(value)
        elif key == "use_halflife":
            record[key] = 1 if value in ("1", "true", "True") else 0
        elif key in ("brightness", "contrast", "saturation"):
            record[key] = "%.3f" % float(value)
        else:
            record[key] = value
    return record


def form_settings(fields):
    # The edit form: every field a string, use_halflife a real boolean.
    record = {"name": "", "description": "", "orientation": "H", "interval_time": "10", "interval_units": "M",
              "variance_pct": "0", "use_halflife": False, "brightness": "1.0", "contrast": "1.0",
              "saturation": "1.0", "log_level": "INFO"}
    for key, value in fields.items():
        record[key] = (value in ("1", "true", "True")) if key == "use_halflife" else str(value)
    return record


def main(argv):
    endpoint, command, display = argv[1], argv[2], argv[3]
    rest = argv[4:]
    etcd = client(endpoint)
    key = "/%s:%s" % (display, command)
    if command == "images":
        etcd.put(key, json.dumps(rest))
    elif command == "settings":
        style, fields = rest[0], dict(word.split("=", 1) for word in rest[1:])
        etcd.put(key, json.dumps(heartbeat_settings(fields) if style == "heartbeat" else form_settings(fields)))
    elif command == "change_photo":
        etcd.put(key, json.dumps(rest[0]))
    elif command == "power_state":
        etcd.put(key, json.dumps(rest[0]))
    elif command in ("reboot", "restart_screen"):
        etcd.put(key, json.dumps("now"))
    elif command == "current_display":
        request = str(uuid.uuid4())
        timeout = float(rest[0]) if rest else 10.0
        etcd.put(key, json.dumps(request))
        deadline = time.time() + timeout
        while time.time() < deadline:
            value, _ = etcd.get("/%s:" % request)
            if value is not None:
                print(json.dumps(json.loads(value)))
                return 0
            time.sleep(0.5)
        print("TIMEOUT")
        return 1
    elif command == "raw":
        etcd.put("/%s:%s" % (display, rest[0]), rest[1])
    else:
        print("unknown command %s" % command, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
