#!/usr/bin/python3
"""Runs a dcgan command and measures what docs/performance.md reports of it: when each line of its output came
(seconds since the start), and its peak resident memory, in all (VmHWM) and anonymous (the process's own, RssAnon:
a prepared folder's mapped pages belong to the page cache, not to it), read from /proc every 50 ms. With --stop-after
SECONDS it is sent SIGTERM that long after the line matching --stop-from appears (train saves the step and exits, as
on Ctrl+C; SIGINT would be ignored when this runs in the background of a script), so a long epoch can be sampled.

  measure_run.py [--stop-from REGEX --stop-after SECONDS] -- dcgan train --data FOLDER ...

Prints the timed lines, then one JSON line with the peaks and the exit code.
"""
import argparse
import json
import re
import signal
import subprocess
import sys
import threading
import time


def status(pid):
    fields = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key in ("VmHWM", "RssAnon"):
                    fields[key] = int(value.split()[0]) * 1024
    except OSError:
        pass
    return fields


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--stop-from", default=None)
    parser.add_argument("--stop-after", type=float, default=None)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    start = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
    peaks = {"VmHWM": 0, "RssAnon": 0}
    done = threading.Event()

    def sample():
        while not done.is_set():
            for key, value in status(process.pid).items():
                peaks[key] = max(peaks[key], value)
            time.sleep(0.05)

    threading.Thread(target=sample, daemon=True).start()
    stop_at = None
    lines = {}
    for line in process.stdout:
        now = time.monotonic() - start
        print(f"{now:8.1f}  {line.rstrip()}", flush=True)
        if args.stop_from and stop_at is None and re.search(args.stop_from, line):
            stop_at = now + args.stop_after
            lines["stop_from_seconds"] = round(now, 1)

            def stopper(delay=args.stop_after):
                time.sleep(delay)
                if process.poll() is None:
                    lines["stop_seconds"] = round(time.monotonic() - start, 1)
                    process.send_signal(signal.SIGTERM)

            threading.Thread(target=stopper, daemon=True).start()
    code = process.wait()
    done.set()
    print(json.dumps({"exit": code, "seconds": round(time.monotonic() - start, 1),
                      "peak_resident_mib": peaks["VmHWM"] >> 20, "peak_anonymous_mib": peaks["RssAnon"] >> 20, **lines}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
